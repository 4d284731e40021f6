import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SearchPageQueryDto } from '../../common/pagination/page-query.dto.js';

export const TEMPLATE_SORTS = [
  'name',
  '-name',
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
] as const;
export type TemplateSort = (typeof TEMPLATE_SORTS)[number];

export class ListTemplatesQueryDto extends SearchPageQueryDto {
  @ApiPropertyOptional({
    enum: TEMPLATE_SORTS,
    default: '-createdAt',
    description: 'A field, ascending; with a leading `-`, descending. Names sort ignoring case.',
  })
  @IsOptional()
  @IsIn(TEMPLATE_SORTS, { message: `sort must be one of ${TEMPLATE_SORTS.join(', ')}` })
  sort: TemplateSort = '-createdAt';
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { StorableText } from '../validation/storable-text.decorator.js';

export const MAX_PAGE_SIZE = 100;
export const MAX_PAGE = 2_147_483_647;

/** `?page=` and `?limit=` as the API guide defines them; extend it for list routes. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1, example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // Far past any last page (which answers empty data), yet its offset stays a safe integer.
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20, example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;
}

/** A list query with a free-text `?q=` filter. */
export class SearchPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring', example: 'ada' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  q?: string;
}

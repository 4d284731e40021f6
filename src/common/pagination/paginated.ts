import { Type as ClassType } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { PageQueryDto } from './page-query.dto.js';

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  limit: number;

  @ApiProperty({ example: 42 })
  total: number;

  @ApiProperty({ example: 3 })
  totalPages: number;
}

export interface Paginated<T> {
  data: T[];
  meta: PageMetaDto;
}

export function paginated<T>(data: T[], total: number, query: PageQueryDto): Paginated<T> {
  return {
    data,
    meta: {
      page: query.page,
      limit: query.limit,
      total,
      totalPages: Math.ceil(total / query.limit),
    },
  };
}

/** The rows to skip for a page. */
export function offsetOf(query: PageQueryDto): number {
  return (query.page - 1) * query.limit;
}

/** A Swagger model for `{ data: T[], meta }`, one class per item type. */
export function PaginatedDto<T>(item: ClassType<T>) {
  class PaginatedOfItem {
    @ApiProperty({ type: [item] })
    data: T[];

    @ApiProperty({ type: PageMetaDto })
    meta: PageMetaDto;
  }
  Object.defineProperty(PaginatedOfItem, 'name', { value: `Paginated${item.name}` });
  return PaginatedOfItem;
}

/** Escapes `%`, `_` and `\` so a user's text matches literally inside ILIKE '%…%'. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

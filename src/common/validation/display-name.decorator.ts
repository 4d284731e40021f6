import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { StorableText } from './storable-text.decorator.js';
import { TextLength } from './text-length.decorator.js';

export const DISPLAY_NAME_MAX = 100;

/** A person's optional display name: at most 100 characters; `null` clears it. */
export function DisplayName(example = 'Ada Lovelace') {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      example,
      maxLength: DISPLAY_NAME_MAX,
      nullable: true,
      description: 'null clears it',
    }),
    IsOptional(),
    IsString(),
    TextLength(0, DISPLAY_NAME_MAX),
    StorableText(),
  );
}

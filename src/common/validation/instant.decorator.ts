import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';
import { parseInstant } from './instant.js';

/**
 * An optional query parameter naming an instant, read once into a `Date` (see parseInstant).
 * Anything else, an array of values included, is a 400 naming the parameter.
 */
export function OptionalInstant(description: string, example: string) {
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', description, example }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (parseInstant(value) ?? value) : value,
    ),
    IsDate({
      message:
        '$property must be a date-time with seconds and a time zone, such as ' +
        '2026-11-21T08:30:00Z or 2026-11-21T09:30:00.250+01:00, or a date such as 2026-11-21',
    }),
  );
}

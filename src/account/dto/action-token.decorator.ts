import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { TextLength } from '../../common/validation/text-length.decorator.js';

/**
 * The token from a mailed link. Only its type and a generous length are checked here: a value
 * that is not one of our tokens is an invalid token (400 action-token-invalid), not a bad field.
 */
export function ActionTokenField() {
  return applyDecorators(
    ApiProperty({
      description: "The `token` query parameter of the mail's link (base64url)",
      example: 'q0Zr3l0QpN4c8mW5xY2bV7tK1sJ9hF6dG3aE0uI8oPw',
      maxLength: 512,
    }),
    IsString(),
    TextLength(0, 512),
  );
}

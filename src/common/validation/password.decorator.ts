import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, ValidationOptions } from 'class-validator';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from './password.policy.js';
import { stringRule } from './string-rule.js';

/** Byte length in UTF-8, which is what bcrypt reads (and truncates past 72). */
export function HasUtf8ByteLength(min: number, max: number, options?: ValidationOptions) {
  return stringRule(
    'hasUtf8ByteLength',
    `$property must be ${min} to ${max} bytes long in UTF-8`,
    (value) => {
      const bytes = Buffer.byteLength(value, 'utf8');
      return bytes >= min && bytes <= max;
    },
    options,
  );
}

/** A new password: 8..72 bytes in UTF-8, never silently truncated. */
export function NewPassword(example = 'correct horse battery staple') {
  return applyDecorators(
    ApiProperty({
      description: `${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes in UTF-8; not the email or username`,
      example,
      minLength: PASSWORD_MIN_BYTES,
      maxLength: PASSWORD_MAX_BYTES,
    }),
    IsString(),
    HasUtf8ByteLength(PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES),
  );
}

/** A password the caller already has (login, confirmation): any non-empty string. */
export function ExistingPassword(example = 'correct horse battery staple') {
  return applyDecorators(
    ApiProperty({ example, maxLength: PASSWORD_MAX_BYTES }),
    IsString(),
    HasUtf8ByteLength(1, PASSWORD_MAX_BYTES, {
      message: `$property must be 1 to ${PASSWORD_MAX_BYTES} bytes long in UTF-8`,
    }),
  );
}

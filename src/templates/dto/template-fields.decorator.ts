import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, ValidateIf } from 'class-validator';
import { StorableText } from '../../common/validation/storable-text.decorator.js';
import { TextLength } from '../../common/validation/text-length.decorator.js';
import { Trim } from '../../common/validation/transforms.js';

export const TEMPLATE_NAME_MAX_LENGTH = 120;
export const TEMPLATE_CONTENT_MAX_LENGTH = 65_536;

interface FieldOptions {
  required: boolean;
}

// `IsOptional` would wave `null` through and let it reach the database; an optional field
// here may be left out, never set to null.
const OmittedOrValidated = () => ValidateIf((_object, value) => value !== undefined);

export function TemplateName({ required }: FieldOptions) {
  const doc = {
    description: `1 to ${TEMPLATE_NAME_MAX_LENGTH} characters after trimming; unique among your templates, ignoring case`,
    example: 'Welcome email',
    minLength: 1,
    maxLength: TEMPLATE_NAME_MAX_LENGTH,
  };
  return applyDecorators(
    required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    ...(required ? [] : [OmittedOrValidated()]),
    Trim(),
    IsString(),
    TextLength(1, TEMPLATE_NAME_MAX_LENGTH),
    StorableText(),
  );
}

export function TemplateContent({ required }: FieldOptions) {
  const doc = {
    description: `Any text up to ${TEMPLATE_CONTENT_MAX_LENGTH} characters; may be empty`,
    example: 'Hello {{name}}, welcome aboard!',
    maxLength: TEMPLATE_CONTENT_MAX_LENGTH,
  };
  return applyDecorators(
    required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    ...(required ? [] : [OmittedOrValidated()]),
    IsString(),
    TextLength(0, TEMPLATE_CONTENT_MAX_LENGTH),
    StorableText(),
  );
}

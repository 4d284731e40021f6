import { ApiProperty } from '@nestjs/swagger';
import type { TemplateView } from '../templates.repository.js';

export class TemplateDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-7d4a-4e9b-8c6f-1a2b3c4d5e6f' })
  id: string;

  @ApiProperty({ example: 'Welcome email' })
  name: string;

  @ApiProperty({ example: 'Hello {{name}}, welcome aboard!' })
  content: string;

  @ApiProperty({ description: 'Starts at 1, up by one on every change; the ETag', example: 1 })
  version: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:05:00.000Z' })
  updatedAt: string;

  /** The public view of a template: never its owner. */
  static from(template: TemplateView): TemplateDto {
    return {
      id: template.id,
      name: template.name,
      content: template.content,
      version: template.version,
      createdAt: template.createdAt.toISOString(),
      updatedAt: template.updatedAt.toISOString(),
    };
  }
}

/** TemplateDto as JSON Schema, for Fastify to compile a serializer from (faster than JSON.stringify). */
export const TEMPLATE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'content', 'version', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    content: { type: 'string' },
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

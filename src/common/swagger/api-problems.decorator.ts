import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { Problem, PROBLEMS, problemTypeUri } from '../errors/problem.js';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field: string;

  @ApiProperty({ example: 'email must be a valid email address' })
  message: string;
}

export class ProblemDocumentDto {
  @ApiProperty({ example: '/problems/validation-failed' })
  type: string;

  @ApiProperty({ example: 'Validation failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'email must be a valid email address' })
  detail: string;

  @ApiProperty({ example: '/api/v1/auth/register' })
  instance: string;

  @ApiProperty({ example: '7d3c2b1a-0f9e-4d8c-b7a6-5e4f3d2c1b0a' })
  requestId: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}

/** Members some problems carry besides the six every problem has. */
const EXTENSION_EXAMPLES: Partial<Record<Problem, Record<string, unknown>>> = {
  [Problem.MfaRequired]: {
    mfaToken: 'Hk3u9Qx0b1Zr8mV2s7Lw4pYc6Ne5Td0Ja9Gf3Ri2Uo8',
    methods: ['totp', 'recovery_code'],
  },
};

/** Documents the problem answers of a route, grouped by status. */
export function ApiProblems(...problems: Problem[]) {
  const byStatus = new Map<number, Problem[]>();
  for (const problem of problems) {
    const { status } = PROBLEMS[problem];
    byStatus.set(status, [...(byStatus.get(status) ?? []), problem]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDocumentDto),
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: group.map((p) => `\`${problemTypeUri(p)}\``).join(', '),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDocumentDto) },
            examples: Object.fromEntries(
              group.map((p) => [
                p,
                {
                  value: {
                    type: problemTypeUri(p),
                    title: PROBLEMS[p].title,
                    status,
                    detail: PROBLEMS[p].title,
                    instance: '/api/v1/...',
                    requestId: '7d3c2b1a-0f9e-4d8c-b7a6-5e4f3d2c1b0a',
                    ...EXTENSION_EXAMPLES[p],
                  },
                },
              ]),
            ),
          },
        },
      }),
    ),
  );
}

/** The answers every bearer-protected route can give. */
export const AUTH_PROBLEMS = [
  Problem.TokenMissing,
  Problem.TokenInvalid,
  Problem.TokenExpired,
  Problem.TokenRevoked,
];

/** The answers every route that takes a JSON body can give. */
export const BODY_PROBLEMS = [
  Problem.ValidationFailed,
  Problem.MalformedRequest,
  Problem.PayloadTooLarge,
  Problem.UnsupportedMediaType,
];

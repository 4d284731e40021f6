import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'] as const;
export type TokenTypeHint = (typeof TOKEN_TYPE_HINTS)[number];

/**
 * The field OAuth client libraries add to revocation and introspection requests. There are no
 * registered clients: `client_id` is accepted and ignored, so that such a library works unchanged.
 */
export abstract class OAuthClientFields {
  @ApiPropertyOptional({
    description: 'Accepted and ignored (OAuth client libraries send it; no clients are registered)',
    example: 'billing-service',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  client_id?: string;
}

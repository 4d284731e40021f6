import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'] as const;
export type TokenTypeHint = (typeof TOKEN_TYPE_HINTS)[number];

/**
 * The fields OAuth client libraries add to revocation and introspection requests. There are no
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

  @ApiPropertyOptional({
    description:
      'What the token is, if the caller knows: only the order of the search depends on it ' +
      '(RFC 7009, RFC 7662); any other value is ignored',
    enum: TOKEN_TYPE_HINTS,
    example: 'refresh_token',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;
}

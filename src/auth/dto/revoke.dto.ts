import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OAuthClientFields, TOKEN_TYPE_HINTS } from './oauth-client-fields.js';

/** JSON, or a form body as RFC 7009 clients send it. */
export class RevokeDto extends OAuthClientFields {
  @ApiProperty({
    description: 'An access token or a refresh token',
    example: 'kQ4m0b5cX1mJq3yqX0u6d2r5hM2JbVQm8n3j4k5l6m7',
  })
  @IsString()
  @IsNotEmpty()
  token: string;

  @ApiPropertyOptional({
    description:
      'What the token is, if the caller knows: only the order of the search depends on it ' +
      '(RFC 7009); any other value is ignored',
    enum: TOKEN_TYPE_HINTS,
    example: 'refresh_token',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';
import { OAuthClientFields } from './oauth-client-fields.js';

/** JSON, or a form body as RFC 7009 clients send it. */
export class RevokeDto extends OAuthClientFields {
  @ApiProperty({
    description: 'An access token or a refresh token',
    example: 'kQ4m0b5cX1mJq3yqX0u6d2r5hM2JbVQm8n3j4k5l6m7',
  })
  @IsString()
  @IsNotEmpty()
  token: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';
import { Role } from '../../common/principal/principal.js';
import { OAuthClientFields } from './oauth-client-fields.js';

/** JSON, or a form body as RFC 7662 clients send it. */
export class IntrospectDto extends OAuthClientFields {
  @ApiProperty({
    description: 'An access token',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9...',
  })
  @IsString()
  @IsNotEmpty()
  token: string;
}

export class IntrospectionDto {
  @ApiProperty({ example: true })
  active: boolean;

  @ApiPropertyOptional({ format: 'uuid', example: '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a' })
  sub?: string;

  @ApiPropertyOptional({ example: 'ada_l' })
  username?: string;

  @ApiPropertyOptional({ enum: Role, example: Role.User })
  role?: Role;

  @ApiPropertyOptional({ format: 'uuid', example: '6f1c2f7e-8f0e-4a57-9d55-3b8c9f1e2a10' })
  sid?: string;

  @ApiPropertyOptional({ format: 'uuid', example: '9a0e3c1b-2d4f-4e6a-8b7c-5d3e2f1a0b9c' })
  jti?: string;

  @ApiPropertyOptional({ example: 1795291100 })
  iat?: number;

  @ApiPropertyOptional({ example: 1795292000 })
  exp?: number;

  @ApiPropertyOptional({ example: 'access_token' })
  token_type?: 'access_token';
}

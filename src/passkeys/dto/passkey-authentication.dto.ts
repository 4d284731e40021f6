import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AUTHENTICATION_RESPONSE_EXAMPLE } from './credential-examples.js';

const MFA_TOKEN = {
  description:
    'The `mfaToken` of a password login that answered `mfa-required`: the passkey is then its ' +
    "second factor, and must be that user's. Omitted for a passwordless sign-in.",
  example: 'Hk3u9Qx0b1Zr8mV2s7Lw4pYc6Ne5Td0Ja9Gf3Ri2Uo8',
  maxLength: 256,
};

/** The optional body of the request options. */
export class PasskeyRequestOptionsBodyDto {
  @ApiPropertyOptional(MFA_TOKEN)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  mfaToken?: string;
}

export class PasskeyAuthenticationDto {
  @ApiProperty({
    description: "The browser's `credential.toJSON()` from `navigator.credentials.get`",
    type: 'object',
    additionalProperties: true,
    example: AUTHENTICATION_RESPONSE_EXAMPLE,
  })
  @IsObject()
  response: Record<string, unknown>;

  @ApiPropertyOptional(MFA_TOKEN)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  mfaToken?: string;
}

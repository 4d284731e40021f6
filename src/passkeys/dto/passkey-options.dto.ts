import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CREATION_OPTIONS_EXAMPLE, REQUEST_OPTIONS_EXAMPLE } from './credential-examples.js';

/**
 * `PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3): hand it to
 * `PublicKeyCredential.parseCreationOptionsFromJSON`. Documented by its main members; the
 * browser takes it whole.
 */
export class PasskeyCreationOptionsDto {
  @ApiProperty({ example: CREATION_OPTIONS_EXAMPLE.challenge })
  challenge: string;

  @ApiProperty({ example: CREATION_OPTIONS_EXAMPLE.rp })
  rp: { id?: string; name: string };

  @ApiProperty({ example: CREATION_OPTIONS_EXAMPLE.user })
  user: { id: string; name: string; displayName: string };

  @ApiProperty({ example: CREATION_OPTIONS_EXAMPLE.pubKeyCredParams })
  pubKeyCredParams: { alg: number; type: string }[];

  @ApiPropertyOptional({ example: 300000 })
  timeout?: number;

  @ApiPropertyOptional({ example: [] })
  excludeCredentials?: { id: string; type: string; transports?: string[] }[];

  @ApiPropertyOptional({ example: CREATION_OPTIONS_EXAMPLE.authenticatorSelection })
  authenticatorSelection?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'none' })
  attestation?: string;
}

/**
 * `PublicKeyCredentialRequestOptionsJSON`: hand it to
 * `PublicKeyCredential.parseRequestOptionsFromJSON`.
 */
export class PasskeyRequestOptionsDto {
  @ApiProperty({ example: REQUEST_OPTIONS_EXAMPLE.challenge })
  challenge: string;

  @ApiPropertyOptional({ example: 'localhost' })
  rpId?: string;

  @ApiPropertyOptional({ example: 300000 })
  timeout?: number;

  @ApiPropertyOptional({
    description: 'Absent for a passwordless login: the browser offers every passkey it holds',
    example: [],
  })
  allowCredentials?: { id: string; type: string; transports?: string[] }[];

  @ApiPropertyOptional({ example: 'preferred' })
  userVerification?: string;
}

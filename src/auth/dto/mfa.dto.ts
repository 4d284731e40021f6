import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ExistingPassword } from '../../common/validation/password.decorator.js';
import { TokenResponseDto } from './token-response.dto.js';

// Malformed codes are a 401 `mfa-code-invalid`, like wrong ones; only a non-string or an absurd
// length is a 400.
const CODE_MAX_LENGTH = 64;
const omittedOrValidated = (_dto: object, value: unknown) => value !== undefined;

const RECOVERY_CODES_EXAMPLE = [
  'k7qd-3mzx-9hpa',
  'w2rt-ncv8-ej4s',
  'bf6u-xa3k-tm9y',
  'p4hs-7dwe-qz2n',
  'ry8c-5kjt-vm3b',
  'ue2a-9fqs-hx6w',
  'zn4m-c8rd-3jtk',
  'gx7v-2bpe-ws5q',
  'tc3j-6hyn-ak8f',
  'ma9w-4zue-rb2d',
];

export class MfaStatusTotpDto {
  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({
    description: 'When TOTP was turned on; null when it is off',
    example: '2026-12-05T19:30:00.000Z',
    nullable: true,
    type: String,
  })
  createdAt: Date | null;
}

export class MfaStatusDto {
  @ApiProperty({ type: MfaStatusTotpDto })
  totp: MfaStatusTotpDto;

  @ApiProperty({ description: 'Unused recovery codes', example: 10 })
  recoveryCodesLeft: number;

  @ApiProperty({ description: 'Registered passkeys', example: 0 })
  passkeys: number;
}

export class StartTotpDto {
  /** Asked again so that a stolen access token alone cannot bind an authenticator. */
  @ExistingPassword()
  password: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({
    description: 'The secret, base32, for typing into an app; shown this once',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret: string;

  @ApiProperty({
    example:
      'otpauth://totp/auth-service:ada%40example.com?issuer=auth-service&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
  })
  otpauthUri: string;

  @ApiProperty({
    description: 'The otpauthUri as a QR code, a data URL for an <img> src',
    example: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...',
  })
  qrCode: string;
}

export class TotpCodeDto {
  @ApiProperty({
    description: 'The 6-digit code the authenticator app shows now',
    example: '492039',
    maxLength: CODE_MAX_LENGTH,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(CODE_MAX_LENGTH)
  code: string;
}

export class DisableTotpDto {
  @ExistingPassword()
  password: string;

  @ApiProperty({
    description: 'A current 6-digit TOTP code, or an unused recovery code',
    example: '492039',
    maxLength: CODE_MAX_LENGTH,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(CODE_MAX_LENGTH)
  code: string;
}

export class MfaChallengeDto {
  @ApiProperty({
    description: 'From the `mfa-required` answer of the login; one use, 5 minutes',
    example: 'Hk3u9Qx0b1Zr8mV2s7Lw4pYc6Ne5Td0Ja9Gf3Ri2Uo8',
    maxLength: 256,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  mfaToken: string;

  @ApiPropertyOptional({
    description: 'Exactly one of code and recoveryCode: the 6-digit TOTP code',
    example: '492039',
    maxLength: CODE_MAX_LENGTH,
  })
  @ValidateIf(omittedOrValidated)
  @IsString()
  @MinLength(1)
  @MaxLength(CODE_MAX_LENGTH)
  code?: string;

  @ApiPropertyOptional({
    description: 'Exactly one of code and recoveryCode: an unused recovery code (works once)',
    example: 'k7qd-3mzx-9hpa',
    maxLength: CODE_MAX_LENGTH,
  })
  @ValidateIf(omittedOrValidated)
  @IsString()
  @MinLength(1)
  @MaxLength(CODE_MAX_LENGTH)
  recoveryCode?: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    description: 'Ten single-use codes, shown this once; keep them somewhere safe',
    example: RECOVERY_CODES_EXAMPLE,
    type: [String],
  })
  recoveryCodes: string[];
}

export class MfaEnabledDto extends TokenResponseDto {
  @ApiProperty({
    description: 'Ten single-use codes, shown this once; keep them somewhere safe',
    example: RECOVERY_CODES_EXAMPLE,
    type: [String],
  })
  recoveryCodes: string[];
}

import { ApiProperty } from '@nestjs/swagger';
import { UserDto } from '../../users/user.dto.js';

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9...' })
  access_token: string;

  @ApiProperty({ example: 'Bearer' })
  token_type: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expires_in: number;

  @ApiProperty({
    description: 'Expiry of the access token, seconds since the epoch',
    example: 1795292000,
  })
  expires_at: number;

  @ApiProperty({
    description: 'Opaque, one use',
    example: 'kQ4m0b5cX1mJq3yqX0u6d2r5hM2JbVQm8n3j4k5l6m7',
  })
  refresh_token: string;

  @ApiProperty({ type: UserDto })
  user: UserDto;
}

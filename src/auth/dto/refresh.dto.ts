import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ example: 'kQ4m0b5cX1mJq3yqX0u6d2r5hM2JbVQm8n3j4k5l6m7' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  refresh_token: string;
}

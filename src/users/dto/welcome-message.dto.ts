import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../common/principal/principal.js';

export class WelcomeMessageDto {
  @ApiProperty({ example: 'Welcome, ada_l! You have limited access.' })
  message: string;

  @ApiProperty({ enum: Role, example: Role.User })
  role: Role;
}

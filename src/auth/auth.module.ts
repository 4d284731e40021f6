import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountModule } from '../account/account.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RetiredRefreshToken } from './retired-refresh-token.entity.js';
import { RevocationModule } from './revocation.module.js';
import { Session } from './session.entity.js';
import { SessionsService } from './sessions.service.js';
import { WellKnownController } from './well-known.controller.js';

@Module({
  imports: [
    PassportModule,
    TypeOrmModule.forFeature([Session, RetiredRefreshToken]),
    RevocationModule,
    UsersModule,
    AccountModule,
    SecurityEventsModule,
  ],
  controllers: [AuthController, WellKnownController],
  providers: [AuthService, AccessTokenService, SessionsService, JwtStrategy],
})
export class AuthModule {}

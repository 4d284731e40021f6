import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { AccountModule } from '../account/account.module.js';
import { BearerModule } from '../bearer/bearer.module.js';
import { JWT_KEYS, type JwtKeys, jwtModuleOptions } from '../bearer/jwt-keys.js';
import { Transactions } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { PasskeysModule } from '../passkeys/passkeys.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { PasskeyLoginController } from './passkey-login.controller.js';
import { SessionsService } from './sessions.service.js';
import { WellKnownController } from './well-known.controller.js';

@Module({
  imports: [
    JwtModule.registerAsync({
      imports: [BearerModule],
      inject: [ConfigService, JWT_KEYS],
      useFactory: (config: ConfigService<Environment, true>, keys: JwtKeys) =>
        jwtModuleOptions(keys, {
          JWT_ISSUER: config.get('JWT_ISSUER', { infer: true }),
          JWT_AUDIENCE: config.get('JWT_AUDIENCE', { infer: true }),
        }),
    }),
    BearerModule,
    RevocationModule,
    UsersModule,
    AccountModule,
    SecurityEventsModule,
    PasskeysModule,
  ],
  controllers: [AuthController, PasskeyLoginController, WellKnownController],
  providers: [AuthService, AccessTokenService, SessionsService, Transactions],
})
export class AuthModule {}

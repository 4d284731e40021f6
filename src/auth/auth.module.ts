import { Module, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { AccountModule } from '../account/account.module.js';
import { BearerModule } from '../bearer/bearer.module.js';
import { jwtModuleOptions } from '../bearer/jwt-keys.js';
import { Transactions } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { LockoutModule } from '../lockout/lockout.module.js';
import { PasskeysModule } from '../passkeys/passkeys.module.js';
import { PasskeySecondFactor } from '../passkeys/passkey-second-factor.js';
import { SecondFactors } from '../mfa/second-factors.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { KeyRing } from '../signing-keys/key-ring.service.js';
import { SigningKeysModule } from '../signing-keys/signing-keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { PasskeyLoginController } from './passkey-login.controller.js';
import { SessionsService } from './sessions.service.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { MfaController } from './mfa.controller.js';

@Module({
  imports: [
    JwtModule.registerAsync({
      imports: [SigningKeysModule],
      inject: [ConfigService, KeyRing],
      useFactory: (config: ConfigService<Environment, true>, ring: KeyRing) =>
        jwtModuleOptions(ring, {
          JWT_ALGORITHM: config.get('JWT_ALGORITHM', { infer: true }),
          JWT_ISSUER: config.get('JWT_ISSUER', { infer: true }),
          JWT_AUDIENCE: config.get('JWT_AUDIENCE', { infer: true }),
        }),
    }),
    SigningKeysModule,
    BearerModule,
    RevocationModule,
    UsersModule,
    AccountModule,
    LockoutModule,
    SecurityEventsModule,
    MfaModule,
    PasskeysModule,
  ],
  controllers: [AuthController, MfaController, PasskeyLoginController],
  providers: [AuthService, AccessTokenService, SessionsService, Transactions],
  exports: [AuthService],
})
export class AuthModule implements OnModuleInit {
  constructor(
    private readonly secondFactors: SecondFactors,
    private readonly passkeySecondFactor: PasskeySecondFactor,
  ) {}

  /** Passkeys answer a password login's `mfa-required` (their route is in this module). */
  onModuleInit(): void {
    this.secondFactors.register(this.passkeySecondFactor);
  }
}

import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { UsersModule } from '../users/users.module.js';
import { MfaAdminController } from './mfa-admin.controller.js';
import { MfaChallenge } from './mfa-challenge.entity.js';
import { MFA_KEYS, mfaKeys } from './mfa-keys.js';
import { MfaRepository } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { SecondFactors } from './second-factors.js';
import { TotpFactor } from './totp-factor.entity.js';

/**
 * Second factors: TOTP, recovery codes and the `mfaToken` of a login's second step. The auth
 * feature, above it, serves the routes that issue tokens; other methods (passkeys) register
 * with SecondFactors.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([TotpFactor, RecoveryCode, MfaChallenge]),
    UsersModule,
    RevocationModule,
    SecurityEventsModule,
  ],
  controllers: [MfaAdminController],
  providers: [
    MfaService,
    MfaRepository,
    SecondFactors,
    Transactions,
    {
      provide: MFA_KEYS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        if (
          !config.get('MFA_ENCRYPTION_KEY', { infer: true }) &&
          config.get('NODE_ENV', { infer: true }) === 'production'
        ) {
          new Logger('Config').warn(
            'MFA_ENCRYPTION_KEY is not set: TOTP secrets are sealed under a key derived from the ' +
              'signing key, and a new JWT secret or key would void every authenticator. Set it.',
          );
        }
        return mfaKeys({
          MFA_ENCRYPTION_KEY: config.get('MFA_ENCRYPTION_KEY', { infer: true }),
          JWT_ALGORITHM: config.get('JWT_ALGORITHM', { infer: true }),
          JWT_SECRET: config.get('JWT_SECRET', { infer: true }),
          JWT_PRIVATE_KEY: config.get('JWT_PRIVATE_KEY', { infer: true }),
        });
      },
    },
  ],
  exports: [MfaService, SecondFactors],
})
export class MfaModule {}

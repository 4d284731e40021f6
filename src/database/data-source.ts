import 'reflect-metadata';
import type { DataSourceOptions } from 'typeorm';
import type { DatabasePool } from '../common/database/database-pool.js';
import { CancellingClient } from './cancelling-client.js';
import { InitialSchema1795291100000 } from '../../migrations/1795291100000-InitialSchema.js';
import { CreateTemplates1795291200000 } from '../../migrations/1795291200000-CreateTemplates.js';
import { CreateAccountActionTokens1795291500000 } from '../../migrations/1795291500000-CreateAccountActionTokens.js';
import { ActionToken } from '../account/action-token.entity.js';
import { CreateSecurityEvents1795291600000 } from '../../migrations/1795291600000-CreateSecurityEvents.js';
import { RevocationNotifications1795291300000 } from '../../migrations/1795291300000-RevocationNotifications.js';
import { RevocationLog1795291700000 } from '../../migrations/1795291700000-RevocationLog.js';
import { CreateLoginLockouts1795291800000 } from '../../migrations/1795291800000-CreateLoginLockouts.js';
import { LoginLockout } from '../lockout/login-lockout.entity.js';
import { SigningKeys1795291900000 } from '../../migrations/1795291900000-SigningKeys.js';
import { MultiFactorAuthentication1795292000000 } from '../../migrations/1795292000000-MultiFactorAuthentication.js';
import { MfaChallenge } from '../mfa/mfa-challenge.entity.js';
import { RecoveryCode } from '../mfa/recovery-code.entity.js';
import { TotpFactor } from '../mfa/totp-factor.entity.js';
import { CreatePasskeys1795292100000 } from '../../migrations/1795292100000-CreatePasskeys.js';
import { MfaChallengePassword1795292200000 } from '../../migrations/1795292200000-MfaChallengePassword.js';
import { Passkey } from '../passkeys/passkey.entity.js';
import { WebAuthnChallenge } from '../passkeys/webauthn-challenge.entity.js';
import { RetiredRefreshToken } from '../revocation/retired-refresh-token.entity.js';
import { RevocationLogEntry } from '../revocation/revocation-log-entry.entity.js';
import { RevokedAccessToken } from '../revocation/revoked-access-token.entity.js';
import { Session } from '../revocation/session.entity.js';
import { SecurityEvent } from '../security-events/security-event.entity.js';
import { Template } from '../templates/template.entity.js';
import { User } from '../users/user.entity.js';

// Listed as classes: ESM has no __dirname for glob paths.
export const ENTITIES = [
  User,
  Session,
  RetiredRefreshToken,
  RevokedAccessToken,
  RevocationLogEntry,
  Template,
  ActionToken,
  SecurityEvent,
  LoginLockout,
  TotpFactor,
  RecoveryCode,
  MfaChallenge,
  Passkey,
  WebAuthnChallenge,
];
export const MIGRATIONS = [
  InitialSchema1795291100000,
  CreateTemplates1795291200000,
  RevocationNotifications1795291300000,
  CreateAccountActionTokens1795291500000,
  CreateSecurityEvents1795291600000,
  RevocationLog1795291700000,
  CreateLoginLockouts1795291800000,
  SigningKeys1795291900000,
  MultiFactorAuthentication1795292000000,
  CreatePasskeys1795292100000,
  MfaChallengePassword1795292200000,
];

/**
 * The one set of TypeORM options, shared by the app, the CLI and the migration commands.
 * `timeoutMs` bounds each query: the driver gives up and cancels it on the server
 * (CancellingClient); migrations run without it. Nothing here is a startup parameter or session
 * setting, so `url` may be a transaction pooler. With `pool`, the `pg` pool it opens is recorded
 * there.
 */
export function dataSourceOptions(
  url: string,
  timeoutMs?: number,
  pool?: DatabasePool,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    ...(pool && { driver: pool.driver }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Fail fast when PostgreSQL is away, instead of queueing requests until a client hangs up.
    connectTimeoutMS: Math.min(2000, timeoutMs ?? 2000),
    extra: {
      max: 10,
      idleTimeoutMillis: 30000,
      keepAlive: true,
      ...(timeoutMs && { query_timeout: timeoutMs, Client: CancellingClient }),
    },
  };
}

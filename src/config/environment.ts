import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { HasUtf8ByteLength } from '../common/validation/password.decorator.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../common/validation/password.policy.js';
import { USERNAME_PATTERN } from '../common/validation/username.policy.js';

// Not EdDSA: jsonwebtoken, under @nestjs/jwt and passport-jwt, can neither sign nor verify it.
export const JWT_ALGORITHMS = ['HS256', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** 32 bytes: 64 hex digits, or base64 (standard or url-safe, padding optional). */
export const MFA_KEY_PATTERN = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
/** PEM keys often arrive in one line with literal `\n` sequences. */
const pem = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? value.replace(/\\n/g, '\n') : undefined;

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Every variable the service reads, with its default. Validated once at boot; a bad value
 * stops the start with a message naming the variable.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  /**
   * A direct connection to the same database, for what a transaction pooler in DATABASE_URL
   * cannot carry: the revocation feed's LISTEN and the migration lock.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DATABASE_DIRECT_URL?: string;

  /**
   * Seconds a database statement may run (and a connection may take to open) before the request
   * answers 503: a hung database must not hold requests.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  DATABASE_TIMEOUT = 5;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @IsIn(JWT_ALGORITHMS, {
    message: ({ value }) =>
      value === 'EdDSA'
        ? 'JWT_ALGORITHM=EdDSA is not supported: jsonwebtoken (under @nestjs/jwt and passport-jwt) cannot sign it; use ES256, RS256 or HS256'
        : `JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')}`,
  })
  JWT_ALGORITHM: JwtAlgorithm = 'HS256';

  @Transform(pem)
  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY?: string;

  @Transform(pem)
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'auth-service';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'auth-service-api';

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(86400)
  JWT_ACCESS_TTL = 900;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(31536000)
  JWT_REFRESH_TTL = 604800;

  /**
   * 32 random bytes, base64 or base64url: the AES-256-GCM key that seals the signing keys' private
   * material in the database. Required in production; generated into DATA_DIR otherwise.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_KEY_ENCRYPTION_KEY?: string;

  /** Seconds relying parties may cache `/.well-known/jwks.json` (its Cache-Control max-age). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  JWKS_MAX_AGE = 300;

  /** Seconds a new signing key is published before it signs; unset: twice JWKS_MAX_AGE. */
  @Transform((params) => toInt({ value: emptyToUndefined(params) }))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  JWT_KEY_PUBLISH_AHEAD?: number;

  /** Days between automatic rotations of the signing key; 0: only by hand. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650)
  JWT_KEY_ROTATION_DAYS = 30;

  /** Verified access tokens remembered until their `exp` (skipping a second verification); 0: off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  JWT_VERIFIED_CACHE_SIZE = 10_000;

  /** Users the bearer check keeps in memory (kept exact by notifications); 0: none. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  BEARER_USER_CACHE_SIZE = 10_000;

  /** Seconds a retired refresh token still answers with the current one (racing clients); 0: off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_REFRESH_REUSE_GRACE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_ROUNDS = 12;

  /** Threads that hash passwords; unset: one per core. */
  @Transform((params) => toInt({ value: emptyToUndefined(params) }))
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  PASSWORD_WORKERS?: number;

  /** Password hashes that may wait for a thread; past it, 503 with Retry-After. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PASSWORD_QUEUE_LIMIT = 64;

  /**
   * Nice value added to the hashing threads (Linux). 0 by default: on a shared host a higher
   * value lets other processes starve the hashing (see bench/RESULTS.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(19)
  PASSWORD_WORKER_NICE = 0;

  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_LOGIN = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_LOGIN_IP = 30;

  /** Failed logins in a row that lock a login name (from any IP); 0 turns lockout off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  LOCKOUT_THRESHOLD = 10;

  /** The first lockout's length, seconds; each further one doubles it, up to an hour. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  LOCKOUT_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_AUTH = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WINDOW = 60;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_URL?: string;

  /** Prefix of the rate-limit keys in Redis, so several deployments can share one server. */
  @IsString()
  REDIS_KEY_PREFIX = 'auth-service:rate-limit:';

  @Transform(toBoolean)
  @IsBoolean()
  TRUST_PROXY = false;

  @IsString()
  CORS_ORIGINS = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  /** Where mail goes out, e.g. smtp://user:pass@host:587; unset: no mail (logged in development). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true },
    { message: '$property must be an smtp:// or smtps:// URL' },
  )
  SMTP_URL?: string;

  @IsString()
  @MinLength(3)
  MAIL_FROM = 'no-reply@localhost';

  /**
   * Connections to the mail server at once, and mails composed or sent at once: a mail server
   * that hangs holds no more than this.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMTP_MAX_CONNECTIONS = 5;

  /** Mails that may wait for a connection; past it, the routes that mail answer 503. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAIL_QUEUE_LIMIT = 1000;

  /** Seconds a shutdown waits for pending mail before it drops (and logs) the rest. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60)
  MAIL_SHUTDOWN_TIMEOUT = 3;

  /**
   * The address users reach this service at (scheme, host, port, and a path prefix if a proxy
   * adds one): the mailed links lead to its /reset-password and /verify-email pages. Default
   * `http://localhost:<PORT>`, which only works on the machine that runs the service.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(HTTP_URL)
  PUBLIC_URL!: string;

  /**
   * The page that takes a password-reset token as its `token` query parameter: by default the
   * one this service serves, `PUBLIC_URL/reset-password`; a team with its own front end sets its own.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(HTTP_URL)
  RESET_PASSWORD_URL!: string;

  /** The page that takes an email-verification token as its `token` query parameter. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(HTTP_URL)
  VERIFY_EMAIL_URL!: string;

  /** Lifetime of a password-reset token, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  RESET_TOKEN_TTL = 1800;

  @Transform(toBoolean)
  @IsBoolean()
  REQUIRE_VERIFIED_EMAIL = false;

  /**
   * 32 bytes (base64 or 64 hex digits) that seal the TOTP secrets and key the recovery-code
   * hashes. Unset: derived from the signing key (with a warning in production), so that a
   * rotated JWT secret voids every enrolled authenticator. Changing it does the same.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(MFA_KEY_PATTERN, {
    message: '$property must be 32 bytes as base64 (44 characters) or hex (64 digits)',
  })
  MFA_ENCRYPTION_KEY?: string;

  /** The issuer authenticator apps show next to the account (the `otpauth://` URI's issuer). */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  MFA_ISSUER = 'auth-service';

  /** Forgot-password and verification mails per target address and RATE_LIMIT_MAIL_WINDOW. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAIL = 5;

  /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAIL_WINDOW = 3600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  SECURITY_EVENTS_RETENTION_DAYS = 90;

  /** The WebAuthn relying party: a domain, the host of every origin or a parent of it. */
  @IsString()
  @Matches(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, {
    message: '$property must be a domain name such as example.com (no scheme, port or path)',
  })
  WEBAUTHN_RP_ID = 'localhost';

  /** The name a browser shows when it asks to create a passkey. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  WEBAUTHN_RP_NAME = 'auth-service';

  /** Comma-separated origins (scheme, host, port) of the pages that call the passkey routes. */
  @IsString()
  @MinLength(1)
  WEBAUTHN_ORIGINS = 'http://localhost:3000';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  ADMIN_EMAIL?: string;

  // The start-up admin meets the rules of registration, so a bad one stops the start here.
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, {
    message: '$property must be 3 to 32 characters of A-Z, a-z, 0-9, _ . -',
  })
  ADMIN_USERNAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @HasUtf8ByteLength(PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES)
  ADMIN_PASSWORD?: string;
}

/** The bytes of a JWT_KEY_ENCRYPTION_KEY (base64 or base64url), or undefined for a bad one. */
export function keyEncryptionKeyBytes(value: string): Buffer | undefined {
  const text = value.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

const isKeyEncryptionKey = (value: string) => keyEncryptionKeyBytes(value) !== undefined;

/** Seconds a new signing key is published before it signs. */
export const publishAheadSeconds = (
  env: Pick<Environment, 'JWT_KEY_PUBLISH_AHEAD' | 'JWKS_MAX_AGE'>,
) => env.JWT_KEY_PUBLISH_AHEAD ?? 2 * env.JWKS_MAX_AGE;

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

function checkCombinations(env: Environment): string[] {
  const problems: string[] = [];
  // The embedded PostgreSQL is a developer's `npm start`: in production it would keep every
  // account inside one container's disk, and the production image does not even ship it.
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
    problems.push(
      'DATABASE_URL must be set in production (the embedded PostgreSQL is for development only)',
    );
  }
  if (env.JWT_ALGORITHM === 'HS256') {
    if (env.NODE_ENV === 'production' && (env.JWT_SECRET?.length ?? 0) < 32) {
      problems.push('JWT_SECRET must be set to at least 32 characters in production (HS256)');
    } else if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 32) {
      problems.push('JWT_SECRET must be at least 32 characters');
    }
  } else {
    if (!env.JWT_PRIVATE_KEY) {
      problems.push(`JWT_PRIVATE_KEY (PEM) is required with JWT_ALGORITHM=${env.JWT_ALGORITHM}`);
    }
    if (!env.JWT_PUBLIC_KEY) {
      problems.push(`JWT_PUBLIC_KEY (PEM) is required with JWT_ALGORITHM=${env.JWT_ALGORITHM}`);
    }
  }
  if (env.DATABASE_DIRECT_URL && !env.DATABASE_URL) {
    // Without DATABASE_URL the app runs its embedded PostgreSQL; a direct URL would send the
    // migrations and the revocation feed to some other database.
    problems.push(
      'DATABASE_DIRECT_URL needs DATABASE_URL: it is a direct connection to the database DATABASE_URL reaches',
    );
  }
  if (env.JWT_KEY_ENCRYPTION_KEY !== undefined) {
    if (!isKeyEncryptionKey(env.JWT_KEY_ENCRYPTION_KEY)) {
      problems.push('JWT_KEY_ENCRYPTION_KEY must be 32 random bytes in base64 or base64url');
    }
  } else if (env.NODE_ENV === 'production' && !problems.length) {
    // After the signing key's own problem, if any: a stopped container shows one line.
    problems.push(
      'JWT_KEY_ENCRYPTION_KEY must be set in production (32 random bytes in base64: openssl rand -base64 32)',
    );
  }
  if (env.JWT_KEY_PUBLISH_AHEAD !== undefined && env.JWT_KEY_PUBLISH_AHEAD < env.JWKS_MAX_AGE) {
    problems.push(
      'JWT_KEY_PUBLISH_AHEAD must be at least JWKS_MAX_AGE: a relying party caching the JWKS must see a key before it signs',
    );
  }
  problems.push(...webAuthnOriginProblems(env));
  const admin = [env.ADMIN_EMAIL, env.ADMIN_USERNAME, env.ADMIN_PASSWORD];
  if (admin.some(Boolean) && !admin.every(Boolean)) {
    problems.push('ADMIN_EMAIL, ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  const password = env.ADMIN_PASSWORD?.toLowerCase();
  if (
    password &&
    (password === env.ADMIN_EMAIL?.toLowerCase() || password === env.ADMIN_USERNAME?.toLowerCase())
  ) {
    problems.push('ADMIN_PASSWORD must not be the same as ADMIN_EMAIL or ADMIN_USERNAME');
  }
  return problems;
}

/** The origins of WEBAUTHN_ORIGINS, as a browser writes them (no trailing slash). */
export function webAuthnOrigins(env: Pick<Environment, 'WEBAUTHN_ORIGINS'>): string[] {
  return env.WEBAUTHN_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** Each origin must be a bare http(s) origin whose host is the RP ID or under it. */
function webAuthnOriginProblems(env: Environment): string[] {
  const rpId = env.WEBAUTHN_RP_ID.toLowerCase();
  const origins = webAuthnOrigins(env);
  if (!origins.length) return ['WEBAUTHN_ORIGINS must name at least one origin'];
  return origins.flatMap((origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return [`WEBAUTHN_ORIGINS: ${origin} is not a URL`];
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
      return [`WEBAUTHN_ORIGINS: ${origin} must be an origin such as https://example.com`];
    }
    const host = url.hostname.toLowerCase();
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      return [
        `WEBAUTHN_ORIGINS: the host of ${origin} is not WEBAUTHN_RP_ID (${rpId}) or under it`,
      ];
    }
    return [];
  });
}

/** Parses and checks the environment; throws one error that names every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  const problems = errors.map(
    (error) => `${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`,
  );
  if (!problems.length) problems.push(...checkCombinations(env));
  // One problem fits on one line, which is all `docker compose up` shows of a stopped app.
  if (problems.length === 1) throw new EnvironmentError(`Invalid configuration: ${problems[0]}`);
  if (problems.length) {
    throw new EnvironmentError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return withLinkDefaults(env);
}

/** PUBLIC_URL, and the two mailed pages under it, where the environment leaves them unset. */
function withLinkDefaults(env: Environment): Environment {
  env.PUBLIC_URL = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  env.RESET_PASSWORD_URL ??= `${env.PUBLIC_URL}/reset-password`;
  env.VERIFY_EMAIL_URL ??= `${env.PUBLIC_URL}/verify-email`;
  return env;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * In production, the warning that the mailed links lead to a loopback address (PUBLIC_URL
 * unset, or set to localhost): they work for nobody but the machine itself. Else undefined.
 */
export function publicUrlWarning(env: Environment): string | undefined {
  if (env.NODE_ENV !== 'production') return undefined;
  const local = [env.RESET_PASSWORD_URL, env.VERIFY_EMAIL_URL].filter((link) =>
    LOOPBACK_HOSTS.has(new URL(link).hostname),
  );
  if (!local.length) return undefined;
  return (
    `The mailed links lead to ${local.join(' and ')}, which only this machine reaches: set ` +
    'PUBLIC_URL to the address users reach this service at (or RESET_PASSWORD_URL and ' +
    'VERIFY_EMAIL_URL to your own pages).'
  );
}

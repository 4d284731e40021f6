import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  EnvironmentError,
  publicUrlWarning,
  validateEnvironment,
  webAuthnOrigins,
} from './environment.js';

const strongSecret = 's'.repeat(32);
const KEK = randomBytes(32).toString('base64');

describe(validateEnvironment.name, () => {
  it('fills in the documented defaults', () => {
    const env = validateEnvironment({});
    expect(env).toEqual(
      expect.objectContaining({
        PORT: 3000,
        JWT_ALGORITHM: 'HS256',
        JWT_ACCESS_TTL: 900,
        JWT_REFRESH_TTL: 604800,
        BCRYPT_ROUNDS: 12,
        RATE_LIMIT_ENABLED: true,
        LOG_LEVEL: 'info',
      }),
    );
  });

  it('parses numbers and booleans from strings', () => {
    const env = validateEnvironment({ PORT: '8080', RATE_LIMIT_ENABLED: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.RATE_LIMIT_ENABLED).toBe(false);
  });

  it('names the variable at fault', () => {
    expect(() => validateEnvironment({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => validateEnvironment({ JWT_ALGORITHM: 'none' })).toThrow(/JWT_ALGORITHM/);
    expect(() => validateEnvironment({ JWT_ALGORITHM: 'EdDSA' })).toThrow(
      /JWT_ALGORITHM=EdDSA is not supported: jsonwebtoken .* cannot sign it/,
    );
    expect(() => validateEnvironment({ BCRYPT_ROUNDS: '3' })).toThrow(EnvironmentError);
  });

  it('reads the password pool and per-IP login settings, one thread per core when unset', () => {
    expect(validateEnvironment({ PASSWORD_WORKERS: '' })).toEqual(
      expect.objectContaining({
        PASSWORD_WORKERS: undefined,
        PASSWORD_QUEUE_LIMIT: 64,
        PASSWORD_WORKER_NICE: 0,
        RATE_LIMIT_LOGIN_IP: 30,
      }),
    );
    const env = validateEnvironment({
      PASSWORD_WORKERS: '3',
      PASSWORD_QUEUE_LIMIT: '5',
      PASSWORD_WORKER_NICE: '10',
      RATE_LIMIT_LOGIN_IP: '100',
    });
    expect(env).toEqual(
      expect.objectContaining({
        PASSWORD_WORKERS: 3,
        PASSWORD_QUEUE_LIMIT: 5,
        PASSWORD_WORKER_NICE: 10,
        RATE_LIMIT_LOGIN_IP: 100,
      }),
    );
    expect(() => validateEnvironment({ PASSWORD_WORKERS: '0' })).toThrow(/PASSWORD_WORKERS/);
    expect(() => validateEnvironment({ PASSWORD_QUEUE_LIMIT: 'many' })).toThrow(
      /PASSWORD_QUEUE_LIMIT/,
    );
    expect(() => validateEnvironment({ PASSWORD_WORKER_NICE: '20' })).toThrow(
      /PASSWORD_WORKER_NICE/,
    );
    expect(() => validateEnvironment({ RATE_LIMIT_LOGIN_IP: '0' })).toThrow(/RATE_LIMIT_LOGIN_IP/);
  });

  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/auth',
    JWT_KEY_ENCRYPTION_KEY: KEK,
  };

  it('refuses to start in production without a strong HS256 secret', () => {
    expect(() => validateEnvironment(production)).toThrow(/JWT_SECRET/);
    expect(() => validateEnvironment({ ...production, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(validateEnvironment({ ...production, JWT_SECRET: strongSecret }).JWT_SECRET).toBe(
      strongSecret,
    );
  });

  it('refuses on one line to start in production on the embedded PostgreSQL', () => {
    for (const DATABASE_URL of [undefined, '', '  ']) {
      expect(() =>
        validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL }),
      ).toThrow(/^Invalid configuration: DATABASE_URL must be set in production[^\n]*$/);
    }
    expect(validateEnvironment({ JWT_SECRET: strongSecret }).DATABASE_URL).toBeUndefined();
  });

  it('needs a key-encryption key of 32 bytes in production, in base64 or base64url', () => {
    const withoutKek = {
      ...production,
      JWT_KEY_ENCRYPTION_KEY: undefined,
      JWT_SECRET: strongSecret,
    };
    expect(() => validateEnvironment(withoutKek)).toThrow(
      /^Invalid configuration: JWT_KEY_ENCRYPTION_KEY must be set in production[^\n]*$/,
    );
    const base64url = Buffer.alloc(32, 0xfb).toString('base64url');
    for (const good of [KEK, base64url, `${base64url}=`]) {
      expect(validateEnvironment({ JWT_KEY_ENCRYPTION_KEY: good }).JWT_KEY_ENCRYPTION_KEY).toBe(
        good,
      );
    }
    for (const bad of [
      'short',
      randomBytes(16).toString('base64'),
      randomBytes(48).toString('base64'),
    ]) {
      expect(() => validateEnvironment({ JWT_KEY_ENCRYPTION_KEY: bad })).toThrow(
        /JWT_KEY_ENCRYPTION_KEY must be 32 random bytes/,
      );
    }
  });

  it('publishes a key at least one JWKS max-age before it signs', () => {
    expect(() => validateEnvironment({ JWKS_MAX_AGE: '300', JWT_KEY_PUBLISH_AHEAD: '60' })).toThrow(
      /JWT_KEY_PUBLISH_AHEAD must be at least JWKS_MAX_AGE/,
    );
    const env = validateEnvironment({ JWKS_MAX_AGE: '1', JWT_KEY_PUBLISH_AHEAD: '2' });
    expect([env.JWKS_MAX_AGE, env.JWT_KEY_PUBLISH_AHEAD, env.JWT_KEY_ROTATION_DAYS]).toEqual([
      1, 2, 30,
    ]);
  });

  it('says on one line that JWT_SECRET is missing when compose passes it empty', () => {
    expect(() => validateEnvironment({ ...production, JWT_SECRET: '' })).toThrow(
      /^Invalid configuration: JWT_SECRET must be set to at least 32 characters in production[^\n]*$/,
    );
  });

  it('needs both PEM keys for an asymmetric algorithm, and turns \\n escapes into newlines', () => {
    expect(() => validateEnvironment({ JWT_ALGORITHM: 'ES256' })).toThrow(/JWT_PRIVATE_KEY/);
    const env = validateEnvironment({
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: 'line1\\nline2',
      JWT_PUBLIC_KEY: 'a\\nb',
    });
    expect(env.JWT_PRIVATE_KEY).toBe('line1\nline2');
  });

  it('reads the refresh reuse grace in seconds: 10 by default, 0 turns it off, at most 300', () => {
    expect(validateEnvironment({}).JWT_REFRESH_REUSE_GRACE).toBe(10);
    expect(validateEnvironment({ JWT_REFRESH_REUSE_GRACE: '0' }).JWT_REFRESH_REUSE_GRACE).toBe(0);
    for (const bad of ['-1', '301', '1.5', 'ten']) {
      expect(() => validateEnvironment({ JWT_REFRESH_REUSE_GRACE: bad })).toThrow(
        /JWT_REFRESH_REUSE_GRACE/,
      );
    }
  });

  it('reads the WebAuthn relying party, refusing origins that are not under its RP ID', () => {
    const env = validateEnvironment({
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com:8443',
    });
    expect(webAuthnOrigins(env)).toEqual(['https://example.com', 'https://app.example.com:8443']);
    expect(validateEnvironment({}).WEBAUTHN_ORIGINS).toBe('http://localhost:3000');
    expect(() =>
      validateEnvironment({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.com' }),
    ).toThrow(/WEBAUTHN_ORIGINS/);
    expect(() => validateEnvironment({ WEBAUTHN_ORIGINS: 'http://localhost:3000/path' })).toThrow(
      /WEBAUTHN_ORIGINS/,
    );
    expect(() => validateEnvironment({ WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(
      /WEBAUTHN_RP_ID/,
    );
  });

  it('needs the three ADMIN_* variables together', () => {
    expect(() => validateEnvironment({ ADMIN_EMAIL: 'admin@example.com' })).toThrow(
      /ADMIN_PASSWORD/,
    );
  });

  it('refuses DATABASE_DIRECT_URL without DATABASE_URL, which it would not be a direct path to', () => {
    const direct = 'postgres://postgres@db:5432/auth';
    expect(() => validateEnvironment({ DATABASE_DIRECT_URL: direct })).toThrow(
      'Invalid configuration: DATABASE_DIRECT_URL needs DATABASE_URL: it is a direct connection to the database DATABASE_URL reaches',
    );
    expect(() => validateEnvironment({ DATABASE_DIRECT_URL: '' })).not.toThrow();
    const env = validateEnvironment({
      DATABASE_URL: 'postgres://pooler:6432/auth',
      DATABASE_DIRECT_URL: direct,
    });
    expect(env.DATABASE_DIRECT_URL).toBe(direct);
  });

  it('reads the mail settings, refusing a mail server that is not an SMTP URL', () => {
    const env = validateEnvironment({
      SMTP_URL: 'smtp://user:secret@mail.example.com:587',
      RESET_TOKEN_TTL: '600',
      REQUIRE_VERIFIED_EMAIL: 'true',
    });
    expect(env).toEqual(
      expect.objectContaining({
        SMTP_URL: 'smtp://user:secret@mail.example.com:587',
        MAIL_FROM: 'no-reply@localhost',
        RESET_PASSWORD_URL: 'http://localhost:3000/reset-password',
        VERIFY_EMAIL_URL: 'http://localhost:3000/verify-email',
        RESET_TOKEN_TTL: 600,
        REQUIRE_VERIFIED_EMAIL: true,
        RATE_LIMIT_MAIL: 5,
        RATE_LIMIT_MAIL_WINDOW: 3600,
      }),
    );
    expect(validateEnvironment({ SMTP_URL: '' }).SMTP_URL).toBeUndefined();
    expect(validateEnvironment({}).REQUIRE_VERIFIED_EMAIL).toBe(false);
    expect(() => validateEnvironment({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL/);
    expect(() => validateEnvironment({ RESET_PASSWORD_URL: 'not a url' })).toThrow(
      /RESET_PASSWORD_URL/,
    );
    expect(() => validateEnvironment({ RESET_TOKEN_TTL: '10' })).toThrow(/RESET_TOKEN_TTL/);
  });

  it('builds the mailed links from PUBLIC_URL, itself by default on PORT', () => {
    expect(validateEnvironment({ PORT: '8080' })).toEqual(
      expect.objectContaining({
        PUBLIC_URL: 'http://localhost:8080',
        RESET_PASSWORD_URL: 'http://localhost:8080/reset-password',
        VERIFY_EMAIL_URL: 'http://localhost:8080/verify-email',
      }),
    );
    const proxied = validateEnvironment({
      PUBLIC_URL: 'https://example.com/auth/',
      VERIFY_EMAIL_URL: 'https://app.example.com/verify',
      RESET_PASSWORD_URL: '',
    });
    expect(proxied.PUBLIC_URL).toBe('https://example.com/auth');
    expect(proxied.RESET_PASSWORD_URL).toBe('https://example.com/auth/reset-password');
    expect(proxied.VERIFY_EMAIL_URL).toBe('https://app.example.com/verify');
    expect(() => validateEnvironment({ PUBLIC_URL: 'ftp://example.com' })).toThrow(/PUBLIC_URL/);
  });

  it('warns in production only, when a mailed link leads to a loopback address', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/auth',
      JWT_KEY_ENCRYPTION_KEY: KEK,
      JWT_SECRET: strongSecret,
    };
    expect(publicUrlWarning(validateEnvironment({}))).toBeUndefined();
    expect(publicUrlWarning(validateEnvironment(production))).toMatch(
      /^The mailed links lead to http:\/\/localhost:3000\/reset-password and .*set PUBLIC_URL/,
    );
    for (const PUBLIC_URL of ['http://127.0.0.1:3000', 'http://[::1]']) {
      expect(publicUrlWarning(validateEnvironment({ ...production, PUBLIC_URL }))).toMatch(
        /PUBLIC_URL/,
      );
    }
    expect(
      publicUrlWarning(validateEnvironment({ ...production, PUBLIC_URL: 'https://auth.example' })),
    ).toBeUndefined();
  });
});

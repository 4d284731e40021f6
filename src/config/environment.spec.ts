import { describe, expect, it } from '@jest/globals';
import { EnvironmentError, validateEnvironment, webAuthnOrigins } from './environment.js';

const strongSecret = 's'.repeat(32);

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

  it('refuses to start in production without a strong HS256 secret', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(
      /JWT_SECRET/,
    );
    expect(
      validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: strongSecret }).JWT_SECRET,
    ).toBe(strongSecret);
  });

  it('says on one line that JWT_SECRET is missing when compose passes it empty', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: '' })).toThrow(
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
});

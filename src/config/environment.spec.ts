import { describe, expect, it } from '@jest/globals';
import { EnvironmentError, validateEnvironment } from './environment.js';

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

  it('refuses to start in production without a strong HS256 secret', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(
      /JWT_SECRET/,
    );
    expect(
      validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: strongSecret }).JWT_SECRET,
    ).toBe(strongSecret);
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

  it('needs the three ADMIN_* variables together', () => {
    expect(() => validateEnvironment({ ADMIN_EMAIL: 'admin@example.com' })).toThrow(
      /ADMIN_PASSWORD/,
    );
  });
});

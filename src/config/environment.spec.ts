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

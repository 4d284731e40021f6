import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Environment } from './environment.js';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production, an HS256 service with no JWT_SECRET gets a generated one, kept under
 * DATA_DIR so that tokens survive a restart. Production refuses to start instead (see
 * validateEnvironment).
 */
export function withDevelopmentSecret(env: Environment): Environment {
  if (env.JWT_ALGORITHM !== 'HS256' || env.JWT_SECRET || env.NODE_ENV === 'production') {
    return env;
  }
  const directory = resolve(env.DATA_DIR);
  const file = join(directory, SECRET_FILE);
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    secret = '';
  }
  if (secret.length < 32) {
    secret = randomBytes(48).toString('base64url');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  }
  new Logger('Config').warn(
    `JWT_SECRET is not set: using a generated development secret kept in ${file}. ` +
      'Set JWT_SECRET (32+ characters) before running in production.',
  );
  env.JWT_SECRET = secret;
  return env;
}

import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Environment } from './environment.js';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production, an HS256 service with no JWT_SECRET gets a generated one, kept under
 * DATA_DIR so that tokens survive a restart. Production refuses to start instead (see
 * validateEnvironment).
 */
export function withDevelopmentSecret(env: Environment): Environment {
  withDevelopmentKeyEncryptionKey(env);
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

const KEY_ENCRYPTION_KEY_FILE = 'jwt-key-encryption-key';

/**
 * Outside production, no JWT_KEY_ENCRYPTION_KEY means one generated under DATA_DIR. Created
 * exclusively: instances starting together on one DATA_DIR all read the first one written.
 */
function withDevelopmentKeyEncryptionKey(env: Environment): void {
  if (env.JWT_KEY_ENCRYPTION_KEY || env.NODE_ENV === 'production') return;
  const directory = resolve(env.DATA_DIR);
  const file = join(directory, KEY_ENCRYPTION_KEY_FILE);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Written whole, then linked into place: a reader never sees a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  env.JWT_KEY_ENCRYPTION_KEY = readFileSync(file, 'utf8').trim();
  new Logger('Config').warn(
    `JWT_KEY_ENCRYPTION_KEY is not set: using a generated development key kept in ${file}. ` +
      'Set JWT_KEY_ENCRYPTION_KEY before running in production.',
  );
}

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevelopmentSecret } from './development-secret.js';
import { keyEncryptionKeyBytes, validateEnvironment } from './environment.js';

describe(withDevelopmentSecret.name, () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'secret-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates a strong secret once, keeps it private under DATA_DIR, and reuses it', async () => {
    const first = withDevelopmentSecret(validateEnvironment({ DATA_DIR: dataDir }));
    expect(first.JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'jwt-secret');
    expect((await readFile(file, 'utf8')).trim()).toBe(first.JWT_SECRET);
    expect((await stat(file)).mode & 0o077).toBe(0);

    const again = withDevelopmentSecret(validateEnvironment({ DATA_DIR: dataDir }));
    expect(again.JWT_SECRET).toBe(first.JWT_SECRET);
  });

  it('leaves a configured secret and asymmetric keys alone', () => {
    const secret = 'a configured secret that is long enough';
    expect(
      withDevelopmentSecret(validateEnvironment({ DATA_DIR: dataDir, JWT_SECRET: secret }))
        .JWT_SECRET,
    ).toBe(secret);
    const es256 = validateEnvironment({
      DATA_DIR: dataDir,
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: 'pem',
      JWT_PUBLIC_KEY: 'pem',
    });
    expect(withDevelopmentSecret(es256).JWT_SECRET).toBeUndefined();
  });

  it('generates a 32-byte key-encryption key once, private, and reuses it', async () => {
    const first = withDevelopmentSecret(validateEnvironment({ DATA_DIR: dataDir }));
    const kek = String(first.JWT_KEY_ENCRYPTION_KEY);
    expect(keyEncryptionKeyBytes(kek)).toHaveLength(32);
    const file = join(dataDir, 'jwt-key-encryption-key');
    expect((await readFile(file, 'utf8')).trim()).toBe(kek);
    expect((await stat(file)).mode & 0o077).toBe(0);
    expect(
      withDevelopmentSecret(validateEnvironment({ DATA_DIR: dataDir })).JWT_KEY_ENCRYPTION_KEY,
    ).toBe(kek);
    expect((await readdir(dataDir)).sort()).toEqual(['jwt-key-encryption-key', 'jwt-secret']);
  });
});

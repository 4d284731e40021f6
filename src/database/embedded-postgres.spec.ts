import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReachableByPostgresUser, DataDirUnreachableError } from './embedded-postgres.js';

describe(assertReachableByPostgresUser.name, () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reachable-'));
    await chmod(root, 0o755);
    await mkdir(join(root, 'open'), { mode: 0o755 });
    await mkdir(join(root, 'closed'), { mode: 0o700 });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('accepts a data dir every folder above which others may enter', async () => {
    await expect(
      assertReachableByPostgresUser(join(root, 'open', 'data')),
    ).resolves.toBeUndefined();
  });

  it('names the folder the postgres user cannot enter', async () => {
    const attempt = assertReachableByPostgresUser(join(root, 'closed', 'data'));
    await expect(attempt).rejects.toThrow(DataDirUnreachableError);
    await expect(attempt).rejects.toThrow(join(root, 'closed'));
  });
});

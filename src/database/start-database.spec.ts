import { afterAll, describe, expect, it } from '@jest/globals';
import exitHook from 'async-exit-hook';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EMBEDDED_DATABASE } from './embedded-postgres.js';
import { startDatabase } from './start-database.js';

describe(startDatabase.name, () => {
  const folders: string[] = [];

  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('uses DATABASE_URL when set, starts nothing and leaves the given environment alone', async () => {
    const env = { DATABASE_URL: 'postgres://db.example/auth', DATA_DIR: '/nonexistent', PORT: 1 };
    const database = await startDatabase(env);
    expect(database.env).toEqual(env);
    expect(database.env).not.toBe(env);
    await expect(database.stop()).resolves.toBeUndefined();
  });

  it('leaves the shutdown signals to the app, whether or not it starts a cluster', async () => {
    // Importing the module (above) did not load embedded-postgres, which hooks them as it loads.
    expect(exitHook.hookedEvents()).toEqual([]);

    const folder = await mkdtemp(join(tmpdir(), 'start-database-'));
    folders.push(folder);
    // As root the cluster runs as the postgres user, which must be able to enter the folder.
    await chmod(folder, 0o755);
    const env = { DATA_DIR: folder };
    const database = await startDatabase(env, { quiet: true });
    try {
      expect(exitHook.hookedEvents()).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^SIG(INT|TERM|HUP)$/)]),
      );
      expect(env).toEqual({ DATA_DIR: folder });
      const url = new URL(database.env.DATABASE_URL);
      expect({ host: url.hostname, database: url.pathname }).toEqual({
        host: '127.0.0.1',
        database: `/${EMBEDDED_DATABASE}`,
      });
      const client = new pg.Client({ connectionString: database.env.DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ dir: string }>(
          "SELECT current_setting('data_directory') AS dir",
        );
        expect(rows[0].dir).toBe(join(folder, 'postgres'));
      } finally {
        await client.end();
      }
    } finally {
      await database.stop();
    }
  }, 60_000);
});

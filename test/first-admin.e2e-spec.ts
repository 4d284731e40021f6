import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import {
  EMBEDDED_DATABASE,
  embeddedDataDir,
  startEmbeddedPostgres,
} from '../src/database/embedded-postgres.js';
import {
  createAdmin,
  expectProblem,
  Http,
  login,
  registerUser,
  resetDatabase,
  startApp,
} from './support/app.js';

const USERS = '/api/v1/users';
const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const ADMIN_VARIABLES = {
  ADMIN_EMAIL: undefined,
  ADMIN_USERNAME: undefined,
  ADMIN_PASSWORD: undefined,
};

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as `npm run cli` does, with the test's environment plus `env`. */
function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...ADMIN_VARIABLES,
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function expectNoStackTrace(run: CliRun) {
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
}

describe('The first admin (e2e)', () => {
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    // What `npm run cli` does before it runs dist/src/cli/main.js.
    execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { cwd: ROOT, stdio: 'pipe' });
    app = await startApp();
    http = new Http(app);
  }, 180_000);

  beforeEach(async () => {
    await resetDatabase(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function usersNamed(...usernames: string[]): Promise<{ username: string; role: string }[]> {
    return app
      .get(DataSource)
      .query('SELECT username, role FROM users WHERE lower(username) = ANY($1) ORDER BY username', [
        usernames.map((name) => name.toLowerCase()),
      ]);
  }

  async function expectAdminLogin(client: Http, email: string, password: string) {
    const tokens = await login(client, { email, password });
    expect(tokens.user.role).toBe('admin');
    expect((await client.get(USERS, { token: tokens.access_token })).status).toBe(200);
  }

  describe('npm run cli -- create-admin', () => {
    it('creates an admin who can log in; running it again overwrites nothing', async () => {
      const first = await runCli(
        ['create-admin', '--email', 'Cli.Admin@Example.com', '--username', 'cli_admin'],
        { env: { ADMIN_PASSWORD: 'cli admin passphrase' } },
      );
      expect(first).toEqual({
        code: 0,
        stdout: expect.stringContaining('Created the admin cli_admin <cli.admin@example.com>'),
        stderr: '',
      });
      expect(first.stdout).not.toContain('passphrase');
      await expectAdminLogin(http, 'cli.admin@example.com', 'cli admin passphrase');

      const again = await runCli(
        ['create-admin', '--email', 'cli.admin@example.com', '--username', 'cli_admin_two'],
        { env: { ADMIN_PASSWORD: 'another passphrase' } },
      );
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/already exists: cli_admin .*role admin\. Nothing was changed/);
      await expectAdminLogin(http, 'cli.admin@example.com', 'cli admin passphrase');
      expectProblem(
        await http.post('/api/v1/auth/login', {
          body: { email: 'cli.admin@example.com', password: 'another passphrase' },
        }),
        401,
        'invalid-credentials',
      );
      expect(await usersNamed('cli_admin', 'cli_admin_two')).toEqual([
        { username: 'cli_admin', role: 'admin' },
      ]);
    });

    it('reads the password from standard input when ADMIN_PASSWORD is not set', async () => {
      const run = await runCli(
        ['create-admin', '--email', 'piped@example.com', '--username', 'piped'],
        {
          input: 'piped passphrase\n',
        },
      );
      expect(run.code).toBe(0);
      await expectAdminLogin(http, 'piped@example.com', 'piped passphrase');
    });

    it('says so when no password comes from anywhere', async () => {
      const run = await runCli([
        'create-admin',
        '--email',
        'none@example.com',
        '--username',
        'none',
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ADMIN_PASSWORD/);
      expect(await usersNamed('none')).toEqual([]);
    });

    it.each([[['--password', 'typed in the open']], [['--password=typed in the open']]])(
      'never takes the password from the command line (%j)',
      async (flag) => {
        const run = await runCli(
          ['create-admin', '--email', 'open@example.com', '--username', 'open_pw', ...flag],
          { env: { ADMIN_PASSWORD: 'a proper passphrase' } },
        );
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/never taken from the command line.*ADMIN_PASSWORD/s);
        expect(await usersNamed('open_pw')).toEqual([]);
      },
    );

    it('explains an invalid account field by field, without a stack trace', async () => {
      const run = await runCli(['create-admin', '--email', 'not-an-email', '--username', 'x'], {
        env: { ADMIN_PASSWORD: 'short' },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/--email: /);
      expect(run.stderr).toMatch(/--username: /);
      expect(run.stderr).toMatch(/password: password must be 8 to 72 bytes/);
      expect(run.stderr).not.toContain('short');
      expectNoStackTrace(run);
    });

    it('explains a usage error', async () => {
      const missing = await runCli(['create-admin', '--email', 'a@example.com']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--email and --username are required/);
      const unknown = await runCli(['make-me-admin']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/Unknown command "make-me-admin"/);
    });

    it('leaves an existing plain user as it is, and says it is not an admin', async () => {
      const user = await registerUser(http);
      const run = await runCli(['create-admin', '--email', user.email, '--username', 'promoted'], {
        env: { ADMIN_PASSWORD: 'cli admin passphrase' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/role user\. Nothing was changed/);
      const tokens = await login(http, user);
      expect(tokens.user.role).toBe('user');
    });

    it('uses the embedded cluster in DATA_DIR/postgres without DATABASE_URL, and explains when the app holds it', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'auth-cli-'));
      // As root the cluster runs as the postgres user, which must be able to enter the folder.
      await chmod(dataDir, 0o755);
      const env = {
        DATABASE_URL: undefined,
        DATABASE_DIRECT_URL: undefined,
        DATA_DIR: dataDir,
        ADMIN_PASSWORD: 'embedded passphrase',
      };
      const args = ['create-admin', '--email', 'embedded@example.com', '--username', 'embedded'];
      let running: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
      try {
        const created = await runCli(args, { env });
        expect(created.code).toBe(0);

        // Now the app's own cluster is up on the same data directory, as `npm start` would do.
        running = await startEmbeddedPostgres({
          dataDir: embeddedDataDir(dataDir),
          database: EMBEDDED_DATABASE,
          quiet: true,
        });
        const client = new pg.Client({ connectionString: running.url });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT username, role FROM users');
          expect(rows).toEqual([{ username: 'embedded', role: 'admin' }]);
        } finally {
          await client.end();
        }

        const refused = await runCli(args, { env });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/is in use by another server/);
        expect(refused.stderr).toMatch(/Stop the app/);
        const suggested = /DATABASE_URL=(\S+)/.exec(refused.stderr)?.[1];
        expect(suggested).toBe(running.url);
        expectNoStackTrace(refused);

        const viaUrl = await runCli(args, { env: { ...env, DATABASE_URL: suggested } });
        expect(viaUrl.code).toBe(0);
        expect(viaUrl.stdout).toMatch(/already exists/);
      } finally {
        await running?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  describe('ADMIN_EMAIL, ADMIN_USERNAME and ADMIN_PASSWORD at start-up', () => {
    const variables = {
      ADMIN_EMAIL: 'Boot.Admin@Example.com',
      ADMIN_USERNAME: 'boot_admin',
      ADMIN_PASSWORD: 'boot admin passphrase',
    };

    /**
     * Boots a second app for the test and talks to it alone: passport keeps one strategy per
     * name for the whole process, so once this app closes, bearer routes of the shared app
     * would reach the closed app's database connection.
     */
    async function withApp(env: Record<string, string>, work: (client: Http) => Promise<void>) {
      const booted = await startApp(env);
      try {
        await work(new Http(booted));
      } finally {
        await booted.close();
      }
    }

    it('creates the admin once; a restart with another password overwrites nothing', async () => {
      await withApp(variables, (client) =>
        expectAdminLogin(client, 'boot.admin@example.com', 'boot admin passphrase'),
      );
      await withApp({ ...variables, ADMIN_PASSWORD: 'a changed passphrase' }, async (client) => {
        await expectAdminLogin(client, 'boot.admin@example.com', 'boot admin passphrase');
        expectProblem(
          await client.post('/api/v1/auth/login', {
            body: { email: 'boot.admin@example.com', password: 'a changed passphrase' },
          }),
          401,
          'invalid-credentials',
        );
      });
      expect(await usersNamed('boot_admin')).toEqual([{ username: 'boot_admin', role: 'admin' }]);
    });

    it('does not promote back an admin who was demoted since', async () => {
      await withApp(variables, async () => {});
      const other = await createAdmin(app);
      await withApp({}, async (client) => {
        const tokens = await login(client, other);
        const [{ id }] = await app
          .get(DataSource)
          .query(`SELECT id FROM users WHERE username = 'boot_admin'`);
        const demoted = await client.patch(`${USERS}/${id}`, {
          token: tokens.access_token,
          body: { role: 'user' },
        });
        expect(demoted.status).toBe(200);
      });

      await withApp(variables, async () => {});
      expect(await usersNamed('boot_admin')).toEqual([{ username: 'boot_admin', role: 'user' }]);
    });

    it('never promotes an existing user who has that email', async () => {
      const user = await registerUser(http);
      await withApp({ ...variables, ADMIN_EMAIL: user.email }, async () => {});
      expect((await login(http, user)).user.role).toBe('user');
      expect(await usersNamed('boot_admin')).toEqual([]);
    });

    it.each([
      [{ ...variables, ADMIN_PASSWORD: 'short' }, /ADMIN_PASSWORD must be 8 to 72 bytes/],
      [{ ...variables, ADMIN_PASSWORD: 'BOOT_ADMIN' }, /ADMIN_PASSWORD must not be the same/],
      [{ ...variables, ADMIN_USERNAME: 'no spaces' }, /ADMIN_USERNAME must be 3 to 32/],
      [{ ...variables, ADMIN_EMAIL: 'not-an-email' }, /ADMIN_EMAIL/],
      [{ ADMIN_EMAIL: 'only@example.com' }, /must be set together/],
    ])('refuses to start with bad ADMIN_* values, naming the variable', async (env, message) => {
      await expect(startApp(env)).rejects.toThrow(message);
      expect(await usersNamed('boot_admin')).toEqual([]);
    });
  });
});

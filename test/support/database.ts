import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { within } from './poll.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs one statement over a connection of its own. */
export async function sql(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  await sql(serverUrl, text);
}

/** How many backends of the database at `url` wait for a lock. */
export async function lockWaiters(url: string): Promise<number> {
  const { rows } = await sql(
    url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND datname = current_database()`,
  );
  return rows[0].n as number;
}

/**
 * Sends `request` while another connection holds the user's row; once the request waits for
 * it, commits `change` (SQL on that connection, `$1` the user's id) and lets the request go on:
 * a change committing between a request's checks and its transaction, every time. `url` is
 * the database's own address (not a pooler's).
 */
export async function overtakenBy<T>(
  userId: string,
  change: { sql: string; values?: unknown[] },
  request: () => Promise<T>,
  url = String(process.env.E2E_DIRECT_URL),
): Promise<T> {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
    const reply = request();
    await within(10_000, async () => (await lockWaiters(url)) > 0, {
      message: 'the request never waited for the user',
    });
    await other.query(change.sql, [userId, ...(change.values ?? [])]);
    await other.query('COMMIT');
    return await reply;
  } finally {
    await other.end();
  }
}

/** How many sessions the user has in the run's database; with `live`, only unrevoked ones. */
export async function sessionCount(userId: string, { live = false } = {}): Promise<number> {
  const { rows } = await sql(
    String(process.env.E2E_DIRECT_URL),
    `SELECT count(*)::int AS n FROM sessions
      WHERE user_id = $1 AND (revoked_at IS NULL OR NOT $2)`,
    [userId, live],
  );
  return rows[0].n as number;
}

/** The settings by which the app reaches its database. */
export interface ConnectionEnv extends Record<string, string> {
  DATABASE_URL: string;
  /** Empty when there is none (the app reads an empty value as unset). */
  DATABASE_DIRECT_URL: string;
}

/**
 * How this run's app reaches the database at `directUrl`: straight there, or through the
 * transaction pooler named by TEST_POOLER_URL (same server, same database name), with the
 * direct URL as DATABASE_DIRECT_URL when TEST_POOLER_DIRECT is `true`.
 */
export function connectionEnv(directUrl: string): ConnectionEnv {
  const pooler = process.env.TEST_POOLER_URL;
  if (!pooler) return { DATABASE_URL: directUrl, DATABASE_DIRECT_URL: '' };
  const name = new URL(directUrl).pathname.slice(1);
  return {
    DATABASE_URL: withDatabase(pooler, name),
    DATABASE_DIRECT_URL: process.env.TEST_POOLER_DIRECT === 'true' ? directUrl : '',
  };
}

/** True when the run's app reaches its database through a pooler with no direct URL. */
export const pooledWithoutDirectUrl = () =>
  Boolean(process.env.TEST_POOLER_URL) && process.env.TEST_POOLER_DIRECT !== 'true';

/**
 * A fresh database on the run's server, for servers a test starts itself, reached as the run
 * reaches its own (`env`); dropped afterwards. `url` is the direct one, for the test's own SQL.
 */
export async function createSeparateDatabase(): Promise<TestDatabase & { env: ConnectionEnv }> {
  const database = await createDatabaseOn(String(process.env.E2E_DIRECT_URL));
  return { ...database, env: connectionEnv(database.url) };
}

/** A fresh database on an existing server (TEST_DATABASE_URL), dropped afterwards. */
export async function createDatabaseOn(serverUrl: string): Promise<TestDatabase> {
  const name = `auth_e2e_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

export interface ThrowAwayPostgres extends TestDatabase {
  /** Stops the server, keeping its data (an outage). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
}

/** A throw-away embedded PostgreSQL cluster in a temporary folder. */
export async function startThrowAwayPostgres(): Promise<ThrowAwayPostgres> {
  const folder = await mkdtemp(join(tmpdir(), 'auth-e2e-'));
  // As root the cluster runs as the postgres user, which must be able to enter the folder.
  await chmod(folder, 0o755);
  const options = { dataDir: join(folder, 'data'), database: 'auth_e2e', quiet: true };
  let server = await startEmbeddedPostgres(options);
  const port = Number(new URL(server.url).port);
  return {
    url: server.url,
    stop: () => server.stop(),
    restart: async () => {
      server = await startEmbeddedPostgres({ ...options, port });
    },
    drop: async () => {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

export function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createDatabaseOn(serverUrl) : startThrowAwayPostgres();
}

import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
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

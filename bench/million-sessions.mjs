// What live sessions cost an instance: start to healthy and resident memory on a database with
// 1,000,000 live sessions (200,000 users) against an empty one, started in turn, `rounds` times.
// The instance reads only the revocation log's recent rows at start, so the two should match.
//
//   npm run build && node bench/million-sessions.mjs [rounds] [settle-seconds] [sessions]
//   (BENCH_DATABASE_URL: the server, default postgres://postgres@127.0.0.1:5432/postgres)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../dist/src/database/data-source.js';
import { DEFAULT_SERVER_URL, freshDatabase, startApp } from './lib/harness.mjs';

const rounds = Number(process.argv[2] ?? 3);
const settleSeconds = Number(process.argv[3] ?? 10);
const sessions = Number(process.argv[4] ?? 1_000_000);
const users = Math.max(1, Math.round(sessions / 5));
const serverUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Resident memory of a process, in MB. */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function migrated() {
  const database = await freshDatabase(serverUrl);
  const dataSource = new DataSource(dataSourceOptions(database.url));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.destroy();
  return database;
}

async function filled() {
  const database = await migrated();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const started = Date.now();
    await client.query(
      `INSERT INTO users (id, email, username, password_hash)
       SELECT ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid,
              'user' || n || '@example.com', 'user_' || n, 'x'
         FROM generate_series(1, $1::int) n`,
      [users],
    );
    await client.query(
      `INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at)
       SELECT gen_random_uuid(),
              ('00000000-0000-4000-9000-' || lpad((1 + n % $2::int)::text, 12, '0'))::uuid,
              encode(sha256(n::text::bytea), 'hex'), now(), now(), now() + interval '7 days'
         FROM generate_series(1, $1::int) n`,
      [sessions, users],
    );
    await client.query('VACUUM ANALYZE');
    console.log(
      `filled: ${sessions} live sessions of ${users} users in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await client.end();
  }
  return database;
}

async function measure(url) {
  const began = performance.now();
  const app = await startApp(url);
  const ms = performance.now() - began;
  const pid = app.child.pid;
  const afterStart = rssMb(pid);
  await sleep(settleSeconds);
  const settled = rssMb(pid);
  await app.stop();
  return { ms, afterStart, settled };
}

const databases = { empty: await migrated(), full: await filled() };
const rows = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const row = { round, load: loadavg()[0].toFixed(2) };
    for (const [name, database] of Object.entries(databases)) {
      const { ms, afterStart, settled } = await measure(database.url);
      row[`${name}: healthy, s`] = (ms / 1000).toFixed(2);
      row[`${name}: RSS at healthy, MB`] = afterStart.toFixed(0);
      row[`${name}: RSS after ${settleSeconds} s, MB`] = settled.toFixed(0);
    }
    row['settled RSS, full - empty, MB'] = (
      row[`full: RSS after ${settleSeconds} s, MB`] - row[`empty: RSS after ${settleSeconds} s, MB`]
    ).toFixed(0);
    rows.push(row);
  }
} finally {
  await Promise.all(Object.values(databases).map((database) => database.drop()));
}
console.table(rows);

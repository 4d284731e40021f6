// Session writes (logins and refreshes) with and without the revocation machinery, on one
// PostgreSQL server, measured with pgbench as the database sees them:
//
// - "machinery": the schema as migrated (migration RevocationLog: triggers that log and notify
//   revocations only);
// - "none": the same schema with the triggers of `sessions` and `users` disabled;
// - "before": the schema of migration RevocationNotifications, the design this one replaced (a
//   NOTIFY for every session insert and refresh), for reference.
//
// Each database holds 10,000 users and 100,000 live sessions. A login inserts a session; a
// refresh updates one (new hash, last use, later expiry) and retires its old token, in one
// transaction, as SessionsService does. pgbench runs them 1:4 with `clients` connections for
// `seconds`, the three databases in turn, `rounds` times.
//
//   npm run build && node bench/session-writes.mjs [seconds] [rounds] [clients]
//   (BENCH_DATABASE_URL: the server, default postgres://postgres@127.0.0.1:5432/postgres)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MIGRATIONS } from '../dist/src/database/data-source.js';
import { DEFAULT_SERVER_URL, freshDatabase } from './lib/harness.mjs';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const clients = Number(process.argv[4] ?? 32);
const serverUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL;

const sessionId = (n) => `'00000000-0000-4000-8000-' || lpad((${n})::text, 12, '0')`;

async function prepare(migrations, disableTriggers) {
  const database = await freshDatabase(serverUrl);
  const dataSource = new DataSource({ ...dataSourceOptions(database.url), migrations });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.destroy();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO users (id, email, username, password_hash)
      SELECT ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid,
             'user' || n || '@example.com', 'user_' || n, 'x'
        FROM generate_series(1, 10000) n`);
    await client.query(`
      INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at)
      SELECT (${sessionId('n')})::uuid,
             ('00000000-0000-4000-9000-' || lpad((1 + n % 10000)::text, 12, '0'))::uuid,
             encode(sha256(n::text::bytea), 'hex'), now(), now(), now() + interval '7 days'
        FROM generate_series(1, 100000) n`);
    if (disableTriggers) {
      await client.query('ALTER TABLE sessions DISABLE TRIGGER USER');
      await client.query('ALTER TABLE users DISABLE TRIGGER USER');
    }
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return database;
}

const scripts = mkdtempSync(join(tmpdir(), 'auth-bench-sessions-'));
const loginScript = join(scripts, 'login.sql');
const refreshScript = join(scripts, 'refresh.sql');
writeFileSync(
  loginScript,
  `\\set u random(1, 10000)
INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at)
VALUES (gen_random_uuid(), ('00000000-0000-4000-9000-' || lpad(:u::text, 12, '0'))::uuid,
        md5(random()::text) || md5(random()::text), now(), now(), now() + interval '7 days');
`,
);
writeFileSync(
  refreshScript,
  `\\set s random(1, 100000)
BEGIN;
UPDATE sessions SET refresh_token_hash = md5(random()::text) || md5(random()::text),
       last_used_at = now(), expires_at = now() + interval '7 days'
 WHERE id = (${sessionId(':s')})::uuid;
INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
VALUES (md5(random()::text) || md5(random()::text), (${sessionId(':s')})::uuid, now());
COMMIT;
`,
);

function pgbench(url) {
  const run = spawnSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      `${loginScript}@1`,
      '-f',
      `${refreshScript}@4`,
      url,
    ],
    { encoding: 'utf8' },
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(run.stdout);
  if (!tps) throw new Error(`pgbench failed: ${run.stdout}${run.stderr}`);
  return { tps: Number(tps[1]), latencyMs: Number(latency?.[1]) };
}

const before = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex((m) => m.name.startsWith('RevocationNotifications')) + 1,
);
const databases = {
  machinery: await prepare(MIGRATIONS, false),
  none: await prepare(MIGRATIONS, true),
  before: await prepare(before, false),
};
const rows = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const row = { round, load: loadavg()[0].toFixed(2) };
    for (const [name, database] of Object.entries(databases)) {
      const { tps, latencyMs } = pgbench(database.url);
      row[`${name} tps`] = Math.round(tps);
      row[`${name} ms`] = latencyMs;
    }
    row['machinery / none'] = (row['machinery tps'] / row['none tps']).toFixed(3);
    row['before / none'] = (row['before tps'] / row['none tps']).toFixed(3);
    rows.push(row);
  }
} finally {
  await Promise.all(Object.values(databases).map((database) => database.drop()));
  rmSync(scripts, { recursive: true, force: true });
}
console.table(rows);
const ratios = rows.map((row) => Number(row['machinery / none'])).sort((x, y) => x - y);
console.log(
  `machinery / none: median ${ratios[Math.floor(ratios.length / 2)].toFixed(3)}, worst ${ratios[0].toFixed(3)} ` +
    `(${clients} clients, ${seconds} s per run, ${rounds} rounds)`,
);

#!/usr/bin/env node
// Runs a command with a PgBouncer in transaction pooling in front of the PostgreSQL server of
// TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), named to the command
// as TEST_POOLER_URL; stops it afterwards. Stock settings but `auth_type = trust` (with an
// auth_file) and `ignore_startup_parameters = extra_float_digits`. Needs `pgbouncer` on the PATH
// (Debian: apt-get install pgbouncer).
//
//   node scripts/with-pgbouncer.mjs npm run test:e2e
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const command = process.argv.slice(2);
if (!command.length) {
  console.error('usage: node scripts/with-pgbouncer.mjs <command> [args...]');
  process.exit(2);
}
const server = new URL(
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
const user = decodeURIComponent(server.username || userInfo().username);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
const config = join(dir, 'pgbouncer.ini');
writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
writeFileSync(
  config,
  [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    '',
  ].join('\n'),
);
// PgBouncer will not run as root: it runs as the postgres user then, which must own its folder.
const asRoot = process.getuid?.() === 0;
if (asRoot) {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  for (const file of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(dir, file), uid, gid);
}
chmodSync(dir, 0o755);

const bouncer = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), config], {
  stdio: 'ignore',
});
let bouncerExited = false;
bouncer.on('exit', () => (bouncerExited = true));
bouncer.on('error', (error) => {
  console.error(`pgbouncer could not start: ${error.message}`);
  process.exit(1);
});
const deadline = Date.now() + 10_000;
while (!(await accepts(port))) {
  if (bouncerExited || Date.now() > deadline) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
    } catch {
      // no log written
    }
    console.error(`pgbouncer did not start on port ${port}\n${log}`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const poolerUrl = new URL(server);
poolerUrl.host = `127.0.0.1:${port}`;
console.log(`PgBouncer (pool_mode = transaction) on ${poolerUrl.host} in front of ${server.host}`);
const child = spawn(command[0], command.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, TEST_POOLER_URL: poolerUrl.toString() },
});
const code = await new Promise((resolve) => child.on('exit', (status) => resolve(status ?? 1)));
bouncer.kill('SIGTERM');
await new Promise((resolve) => (bouncerExited ? resolve() : bouncer.on('exit', resolve)));
rmSync(dir, { recursive: true, force: true });
process.exit(code);

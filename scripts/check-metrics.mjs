// `npm run metrics:check`: starts the compiled server, makes a few requests so that every kind
// of metric has samples, scrapes /metrics and hands the text to `promtool check metrics`
// (Debian's `prometheus` package), which fails on names and formats Prometheus does not accept.
// The database: DATABASE_URL when set, else an embedded PostgreSQL in a temporary DATA_DIR.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error) {
  console.error('promtool is missing: install it (Debian: apt-get install prometheus).');
  process.exit(2);
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'auth-metrics-'));
// As root, the embedded server runs as the postgres user, who must be able to enter it.
if (dataDir) chmodSync(dataDir, 0o755);
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...(dataDir && { DATA_DIR: dataDir }),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = once(server, 'exit');

async function call(path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  return { status: response.status, text: await response.text() };
}

let status = 1;
try {
  const deadline = Date.now() + 60_000;
  while (
    !(await call('/api/v1/health').then(
      (r) => r.status === 200,
      () => false,
    ))
  ) {
    if (server.exitCode !== null) throw new Error('the server exited');
    if (Date.now() > deadline) throw new Error('the server did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const user = {
    email: 'metrics-check@example.com',
    username: 'metrics_check',
    password: 'a passphrase for the metrics check',
  };
  await call('/api/v1/auth/register', { method: 'POST', body: JSON.stringify(user) });
  const login = await call('/api/v1/auth/login', {
    method: 'POST',
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  const token = JSON.parse(login.text).access_token;
  await call('/api/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
  await call('/api/v1/users/me');
  await call('/no/such/route');

  const scrape = await call('/metrics');
  if (scrape.status !== 200) throw new Error(`GET /metrics answered ${scrape.status}`);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: scrape.text });
  process.stdout.write(check.stdout);
  process.stderr.write(check.stderr);
  status = check.status ?? 1;
  const metrics = scrape.text.match(/^# TYPE /gm)?.length ?? 0;
  console.log(`promtool check metrics: exit ${status} on ${metrics} metrics from ${base}/metrics`);
} catch (error) {
  console.error(error.message);
} finally {
  server.kill('SIGTERM');
  await exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(status);

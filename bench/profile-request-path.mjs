// CPU profile of the server under the authenticated request path's load: starts the compiled
// server with `node --cpu-prof`, loads `GET /api/v1/users/me` with a bearer token (20
// connections, like request-path.mjs), stops the server so that it writes its profile, and
// prints where the busy time of the last seconds went, by package and by function.
//
//   npm run build && node bench/profile-request-path.mjs [postgres-server-url] [seconds] [profile-dir]
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const serverUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[3] ?? 10);
const profileDir = process.argv[4] ?? mkdtempSync(join(tmpdir(), 'auth-profile-'));
const port = 4000 + Math.floor(Math.random() * 100);
const base = `http://127.0.0.1:${port}`;
const database = `auth_profile_${randomBytes(4).toString('hex')}`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function post(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

const url = new URL(serverUrl);
url.pathname = `/${database}`;
await admin(`CREATE DATABASE "${database}"`);
const server = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, 'dist/src/main.js'],
  {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      RATE_LIMIT_ENABLED: 'false',
      JWT_SECRET: randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const credentials = { email: 'bench@example.com', password: 'bench passphrase 1' };
  await post('/api/v1/auth/register', { ...credentials, username: 'bench' });
  const { access_token } = await post('/api/v1/auth/login', credentials);
  const result = await autocannon({
    url: `${base}/api/v1/users/me`,
    headers: { authorization: `Bearer ${access_token}` },
    duration: seconds + 2,
    connections: 20,
  });
  console.log(`${Math.round(result.requests.average)} req/s, ${result.non2xx} non-2xx`);
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

// The main thread's profile (the password workers write their own); only the last `seconds`,
// so that start-up and registration are left out.
const file = readdirSync(profileDir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(profileDir, name))
  .find((path) =>
    JSON.parse(readFileSync(path, 'utf8')).nodes.some((n) => /main\.js$/.test(n.callFrame.url)),
  );
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byPackage = new Map();
const byFunction = new Map();
let busy = 0;
let idle = 0;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i];
  at += delta;
  if (at < profile.endTime - seconds * 1e6) return;
  const { functionName, url: source, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') return void (idle += delta);
  busy += delta;
  const where = source.includes('node_modules/')
    ? source.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    : source.includes('/dist/')
      ? source.replace(/.*\/dist\//, '')
      : source
        ? 'node'
        : functionName;
  byPackage.set(where, (byPackage.get(where) ?? 0) + delta);
  const name = `${functionName || '(anonymous)'} ${source.replace(/.*node_modules\//, '')}:${lineNumber}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
});
const top = (map, count) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / busy).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
console.log(
  `${file}\nidle ${((100 * idle) / (idle + busy)).toFixed(1)} % of the last ${seconds} s`,
);
console.log(`\nbusy time by package\n${top(byPackage, 25)}`);
console.log(`\nbusy time by function (self)\n${top(byFunction, 30)}`);

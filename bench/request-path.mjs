// Throughput and latency of the authenticated request path (JWT verify + the one-query
// revocation check) against a real PostgreSQL, next to the health check for reference.
//
//   npm run build && node bench/request-path.mjs [postgres-server-url] [seconds]
//
// Starts the compiled server in its own process on a fresh database, which it drops after.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';

const serverUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[3] ?? 10);
const port = 3900 + Math.floor(Math.random() * 100);
const base = `http://127.0.0.1:${port}`;
const database = `auth_bench_${randomBytes(4).toString('hex')}`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function post(path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return response.json();
}

function run(title, options) {
  return new Promise((resolve, reject) => {
    autocannon({ duration: seconds, connections: 20, ...options }, (error, result) => {
      if (error) return reject(error);
      resolve({
        title,
        'req/s (mean)': Math.round(result.requests.average),
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
  });
}

const url = new URL(serverUrl);
url.pathname = `/${database}`;
await admin(`CREATE DATABASE "${database}"`);
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    DATABASE_URL: url.toString(),
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: randomBytes(32).toString('hex'),
  },
  stdio: 'inherit',
});
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error('server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const credentials = {
    email: 'bench@example.com',
    username: 'bench',
    password: 'bench passphrase 1',
  };
  await post('/api/v1/auth/register', credentials);
  const { access_token } = await post('/api/v1/auth/login', {
    email: credentials.email,
    password: credentials.password,
  });
  const results = [];
  results.push(await run('GET /api/v1/health', { url: `${base}/api/v1/health` }));
  results.push(
    await run('GET /api/v1/users/me (bearer)', {
      url: `${base}/api/v1/users/me`,
      headers: { authorization: `Bearer ${access_token}` },
    }),
  );
  console.table(results);
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

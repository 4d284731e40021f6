// Throughput of the authenticated request path (passport-jwt + the bearer check answered from
// memory) against a bare Fastify route this script starts itself, in the same run, and the
// ratio between them. Also the health check (one SELECT 1) for reference.
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

// The ceiling: a bare Fastify route answering a JSON body of the same size, in its own process
// (as the service is), so that neither shares an event loop with autocannon.
const barePort = port + 100;
const bare = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import Fastify from 'fastify';
     const app = Fastify();
     const body = ${JSON.stringify({
       id: '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a',
       email: 'bench@example.com',
       username: 'bench',
       name: null,
       role: 'user',
       isActive: true,
       createdAt: '2026-11-21T10:00:00.000Z',
       updatedAt: '2026-11-21T10:00:00.000Z',
     })};
     app.get('/bare', async () => body);
     await app.listen({ port: ${barePort}, host: '127.0.0.1' });`,
  ],
  { stdio: 'inherit' },
);

const url = new URL(serverUrl);
url.pathname = `/${database}`;
await admin(`CREATE DATABASE "${database}"`);
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    DATABASE_URL: url.toString(),
    PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: randomBytes(32).toString('hex'),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    const bareOk = await fetch(`http://127.0.0.1:${barePort}/bare`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok && bareOk) break;
    if (i > 200) throw new Error('servers did not start');
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
  // Warm-up, not reported: JIT and connection pools.
  await run('warm-up', { url: `http://127.0.0.1:${barePort}/bare`, duration: 2 });
  await run('warm-up', {
    url: `${base}/api/v1/users/me`,
    headers: { authorization: `Bearer ${access_token}` },
    duration: 2,
  });
  results.push(await run('bare Fastify GET /bare', { url: `http://127.0.0.1:${barePort}/bare` }));
  results.push(
    await run('GET /api/v1/users/me (bearer)', {
      url: `${base}/api/v1/users/me`,
      headers: { authorization: `Bearer ${access_token}` },
    }),
  );
  results.push(await run('GET /api/v1/health', { url: `${base}/api/v1/health` }));
  console.table(results);
  const ratio = results[1]['req/s (mean)'] / results[0]['req/s (mean)'];
  console.log(`GET /api/v1/users/me / bare Fastify = ${ratio.toFixed(2)}`);
} finally {
  server.kill('SIGTERM');
  bare.kill('SIGTERM');
  await once(server, 'exit');
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

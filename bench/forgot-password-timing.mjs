// Does POST /api/v1/auth/password/forgot take the same time for an address that has an account
// as for one that has none? (It must not tell who is registered.) Sequential requests,
// alternating the two kinds, against the compiled server on a fresh database, with mail going
// to an SMTP server in this process; a bare Fastify route started here is the ceiling.
//
//   npm run build && node bench/forgot-password-timing.mjs [postgres-server-url] [requests]
import Fastify from 'fastify';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';

const serverUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const requests = Number(process.argv[3] ?? 400);
const port = 4000 + Math.floor(Math.random() * 100);
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

async function timedPost(url, body) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 202) throw new Error(`${url} answered ${response.status}`);
  return ms;
}

function summary(title, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    title,
    n: sorted.length,
    'p50 ms': +at(0.5).toFixed(2),
    'p90 ms': +at(0.9).toFixed(2),
    'mean ms': +mean.toFixed(2),
  };
}

let mails = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      mails += 1;
      callback();
    });
  },
});
await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = smtp.server.address().port;

const bare = Fastify();
bare.post('/forgot', async (_request, reply) => reply.code(202).send());
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${bare.server.address().port}/forgot`;

const url = new URL(serverUrl);
url.pathname = `/${database}`;
await admin(`CREATE DATABASE "${database}"`);
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url.toString(),
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    BCRYPT_ROUNDS: '10',
    JWT_SECRET: randomBytes(32).toString('hex'),
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
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
  const known = 'bench@example.com';
  await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: known, username: 'bench', password: 'bench passphrase 1' }),
  });
  const forgot = `${base}/api/v1/auth/password/forgot`;
  // Warm-up: JIT, connection pools, the SMTP connection path.
  for (let i = 0; i < 50; i++) {
    await timedPost(forgot, { email: known });
    await timedPost(forgot, { email: `warm${i}@example.com` });
    await timedPost(bareUrl, { email: known });
  }
  const samples = { known: [], unknown: [], bare: [] };
  for (let i = 0; i < requests; i++) {
    samples.known.push(await timedPost(forgot, { email: known }));
    samples.unknown.push(await timedPost(forgot, { email: `nobody${i}@example.com` }));
    samples.bare.push(await timedPost(bareUrl, { email: known }));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rows = [
    summary('forgot, account exists', samples.known),
    summary('forgot, no such account', samples.unknown),
    summary('bare Fastify POST (ceiling)', samples.bare),
  ];
  console.table(rows);
  console.log(
    `p50 exists / no account: ${(rows[0]['p50 ms'] / rows[1]['p50 ms']).toFixed(2)}; ` +
      `p50 forgot (no account) / bare Fastify: ${(rows[1]['p50 ms'] / rows[2]['p50 ms']).toFixed(2)}; ` +
      `mails received: ${mails}`,
  );
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await bare.close();
  smtp.close();
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

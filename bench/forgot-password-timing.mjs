// Does POST /api/v1/auth/password/forgot take the same time for an address that has an account
// as for one that has none? (It must not tell who is registered.) Sequential requests,
// alternating the two kinds, against the compiled server on a fresh database, with mail going
// to an SMTP server in this process; a bare Fastify route started here is the ceiling.
//
//   npm run build && node bench/forgot-password-timing.mjs [postgres-server-url] [requests]
import Fastify from 'fastify';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { DEFAULT_SERVER_URL, freshDatabase, post, startApp } from './lib/harness.mjs';

const serverUrl = process.argv[2] ?? DEFAULT_SERVER_URL;
const requests = Number(process.argv[3] ?? 400);

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

const database = await freshDatabase(serverUrl);
const server = await startApp(database.url, {
  NODE_ENV: 'production',
  BCRYPT_ROUNDS: '10',
  SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
}).catch(async (error) => {
  await database.drop();
  throw error;
});
const { base } = server;
try {
  const known = 'bench@example.com';
  await post(base, '/api/v1/auth/register', {
    email: known,
    username: 'bench',
    password: 'bench passphrase 1',
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
  await server.stop();
  await bare.close();
  smtp.close();
  await database.drop();
}

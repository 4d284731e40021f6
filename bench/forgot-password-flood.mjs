// A flood of POST /api/v1/auth/password/forgot (rate limits off, as behind a misconfigured
// proxy or with many IPs) for many addresses, one in ten with an account, while the mail server
// accepts connections and never answers, and a legitimate user keeps calling
// GET /api/v1/auth/sessions (a database-bound route). Measures the answers, the work still
// queued after the flood (the pool's waiting queries, the outbox, sockets to the mail server),
// RSS before, right after and 15 s after, the legitimate user's latency, and how long SIGTERM
// takes. Builds alternate round by round, as in rate-limit-flood.mjs.
//
//   npm run build && node bench/forgot-password-flood.mjs [postgres-server-url] [seconds] [rounds] [build ...]
import { once } from 'node:events';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import pg from 'pg';
import {
  buildComparisonArgs,
  alternateBuilds,
  freshDatabase,
  load,
  metricValue,
  probeLatency,
  rssMiB,
  signedInUser,
  startApp,
  statusCounts,
} from './lib/harness.mjs';

const { serverUrl, seconds, rounds, builds } = buildComparisonArgs(10, 1);
const CONNECTIONS = 50;
const KNOWN = 500;

/** A mail server that accepts connections and never says a word. */
async function hungSmtpServer() {
  const sockets = new Set();
  let mostOpen = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    mostOpen = Math.max(mostOpen, sockets.size);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    open: () => sockets.size,
    mostOpen: () => mostOpen,
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function addKnownUsers(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO users (email, username, password_hash)
       SELECT 'known-' || i || '@example.com', 'known_' || i, '$2b$04$' || repeat('x', 53)
       FROM generate_series(1, $1) AS i`,
      [KNOWN],
    );
  } finally {
    await client.end();
  }
}

async function run(build) {
  const smtp = await hungSmtpServer();
  const database = await freshDatabase(serverUrl);
  const server = await startApp(
    database.url,
    { SMTP_URL: smtp.url, MAIL_FROM: 'bench@example.com' },
    [],
    `${build}/src/main.js`,
    { capture: true },
  );
  let stopMs;
  try {
    await addKnownUsers(database.url);
    const user = await signedInUser(server.base);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const load1 = loadavg()[0];
    const rssBefore = rssMiB(server.child.pid);
    const probe = probeLatency(`${server.base}/api/v1/auth/sessions`, {
      authorization: `Bearer ${user.token}`,
    });
    let i = 0;
    const flood = await load({
      url: `${server.base}/api/v1/auth/password/forgot`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          setupRequest(request) {
            i += 1;
            const email =
              i % 10 === 0
                ? `known-${((i / 10) % KNOWN) + 1}@example.com`
                : `nobody-${i}@example.com`;
            return { ...request, body: JSON.stringify({ email }) };
          },
        },
      ],
    });
    const sessions = await probe.stop();
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    const rssAfter = rssMiB(server.child.pid);
    const queued = {
      'pool waiting': metricValue(metrics, 'db_pool_requests_waiting'),
      'outbox waiting': metricValue(metrics, 'mail_outbox_waiting'),
      'outbox running': metricValue(metrics, 'mail_outbox_running'),
      'SMTP sockets': smtp.open(),
    };
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const rssLater = rssMiB(server.child.pid);
    const started = Date.now();
    await server.stop();
    stopMs = Date.now() - started;
    return {
      'load avg': load1.toFixed(1),
      'req/s': Math.round(flood.requests.average),
      statuses: JSON.stringify(statusCounts(flood)),
      'queued after': JSON.stringify(queued),
      'most SMTP sockets': smtp.mostOpen(),
      'RSS MiB before → after → +15 s': `${rssBefore} → ${rssAfter} → ${rssLater}`,
      'sessions p50/p99/max ms': `${sessions.p50} / ${sessions.p99} / ${sessions.max}`,
      'sessions n': sessions.n,
      'SIGTERM to exit ms': stopMs,
    };
  } finally {
    await server.stop();
    await database.drop();
    await smtp.stop();
  }
}

await alternateBuilds(builds, rounds, run);

// One IP floods POST /api/v1/auth/login (rate limits on, as in production) while a legitimate
// user, signed in before, keeps calling GET /api/v1/auth/sessions. Measures the answers, the
// auth.rate_limited events the trail got (rows, and the refusals they stand for), events lost,
// the server's RSS before and after, and the legitimate user's latency during the flood.
// Builds alternate round by round (a build is a directory holding a compiled `src/main.js`:
// `dist`, or another commit's `dist` copied under `bench/builds/`).
//
//   npm run build && node bench/rate-limit-flood.mjs [postgres-server-url] [seconds] [rounds] [build ...]
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

const { serverUrl, seconds, rounds, builds } = buildComparisonArgs(6, 1);
const CONNECTIONS = 30;

async function trail(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS rows,
              coalesce(sum(coalesce((details->>'count')::int, 1)), 0)::int AS refusals
       FROM security_events WHERE type = 'auth.rate_limited'`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

async function run(build) {
  const database = await freshDatabase(serverUrl);
  const server = await startApp(
    database.url,
    { RATE_LIMIT_ENABLED: 'true' },
    [],
    `${build}/src/main.js`,
    { capture: true },
  );
  try {
    const user = await signedInUser(server.base);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const load1 = loadavg()[0];
    const rssBefore = rssMiB(server.child.pid);
    const probe = probeLatency(`${server.base}/api/v1/auth/sessions`, {
      authorization: `Bearer ${user.token}`,
    });
    const flood = await load({
      url: `${server.base}/api/v1/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'victim@example.com', password: 'not the password' }),
      connections: CONNECTIONS,
      duration: seconds,
    });
    const sessions = await probe.stop();
    const rssAfter = rssMiB(server.child.pid);
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    // The new build writes the counted refusals at shutdown; the old one may still be writing.
    await server.stop();
    const written = await trail(database.url);
    const failedWrites = (server.output().match(/Recording auth\.rate_limited failed/g) ?? [])
      .length;
    return {
      'load avg': load1.toFixed(1),
      answers: flood.requests.total,
      statuses: JSON.stringify(statusCounts(flood)),
      'event rows': written.rows,
      'refusals in events': written.refusals,
      'lost (logged)': failedWrites,
      'lost (metric)': metricValue(metrics, 'security_events_dropped_total'),
      'RSS MiB before → after': `${rssBefore} → ${rssAfter}`,
      'sessions p50/p99/max ms': `${sessions.p50} / ${sessions.p99} / ${sessions.max}`,
      'sessions n': sessions.n,
      'sessions statuses': JSON.stringify(sessions.statuses),
    };
  } finally {
    await server.stop();
    await database.drop();
  }
}

await alternateBuilds(builds, rounds, run);

// GET /api/v1/templates/:id (bearer) against its ceiling: a bare Fastify + pg route that reads
// the same row by key and owner, measured in the same run, against the same database; and
// GET /api/v1/users/me, the authenticated path alone, to show what the template read adds.
//
//   npm run bench:templates -- [postgres-server-url] [seconds] [rounds]
import {
  DEFAULT_SERVER_URL,
  freePort,
  freshDatabase,
  load,
  post,
  signedInUser,
  startApp,
  startProcess,
  summary,
  waitUntilHealthy,
} from './lib/harness.mjs';

const serverUrl = process.argv[2] ?? DEFAULT_SERVER_URL;
const seconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 2);

const database = await freshDatabase(serverUrl);
const stops = [];
try {
  const app = await startApp(database.url);
  stops.push(app.stop);
  const user = await signedInUser(app.base);
  const created = await post(
    app.base,
    '/api/v1/templates',
    { name: 'Welcome email', content: 'Hello {{name}}, welcome aboard! '.repeat(8) },
    user.token,
  );
  if (created.status !== 201) throw new Error(`template not created: ${created.status}`);
  const id = created.body.id;

  const barePort = await freePort();
  const bare = startProcess('bench/lib/bare-template-server.mjs', {
    DATABASE_URL: database.url,
    PORT: String(barePort),
  });
  stops.push(bare.stop);
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);

  const routes = {
    bare: {
      title: 'bare Fastify + pg',
      url: `http://127.0.0.1:${barePort}/templates/${id}`,
      headers: { 'x-owner': user.id },
    },
    app: {
      title: 'GET /api/v1/templates/:id (bearer)',
      url: `${app.base}/api/v1/templates/${id}`,
      headers: { authorization: `Bearer ${user.token}` },
    },
    // The authenticated path every route shares, without the template read: for reference.
    me: {
      title: 'GET /api/v1/users/me (bearer)',
      url: `${app.base}/api/v1/users/me`,
      headers: { authorization: `Bearer ${user.token}` },
    },
  };
  // Warm both up (JIT, connection pools) before measuring.
  for (const route of Object.values(routes)) await load({ ...route, duration: 2 });

  const rows = [];
  const ratios = [];
  // Interleaved, the order swapped every round, so that a noisy neighbour or a drift of the
  // machine hits both sides alike.
  for (let round = 1; round <= rounds; round++) {
    let bareResult;
    let appResult;
    if (round % 2) {
      bareResult = await load({ ...routes.bare, duration: seconds });
      appResult = await load({ ...routes.app, duration: seconds });
    } else {
      appResult = await load({ ...routes.app, duration: seconds });
      bareResult = await load({ ...routes.bare, duration: seconds });
    }
    const meResult = await load({ ...routes.me, duration: seconds });
    rows.push(summary(`${routes.bare.title} #${round}`, bareResult));
    rows.push(summary(`${routes.app.title} #${round}`, appResult));
    rows.push(summary(`${routes.me.title} #${round}`, meResult));
    ratios.push(appResult.requests.average / bareResult.requests.average);
  }
  console.table(rows);
  console.log(`app / bare, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
  console.log(`app / bare, median of ${ratios.length} rounds: ${median.toFixed(2)}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  await database.drop();
}

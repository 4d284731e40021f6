// Throughput of the authenticated request path (passport-jwt + the bearer check answered from
// memory) against a bare Fastify route this script starts itself, in the same run, and the
// ratio between them. Also the health check (one SELECT 1) for reference.
//
//   npm run build && node bench/request-path.mjs [postgres-server-url] [seconds]
//
// Starts the compiled server in its own process on a fresh database, which it drops after.
import {
  DEFAULT_SERVER_URL,
  freePort,
  freshDatabase,
  load,
  signedInUser,
  startApp,
  startProcess,
  summary,
  waitUntilHealthy,
} from './lib/harness.mjs';

const serverUrl = process.argv[2] ?? DEFAULT_SERVER_URL;
const seconds = Number(process.argv[3] ?? 10);

const run = async (title, options) => summary(title, await load({ duration: seconds, ...options }));

// The ceiling in its own process (as the service is), so that neither shares an event loop
// with autocannon.
const barePort = await freePort();
const bare = startProcess('bench/lib/bare-json-server.mjs', { PORT: String(barePort) });
const bareUrl = `http://127.0.0.1:${barePort}/bare`;
const database = await freshDatabase(serverUrl);
let server;
try {
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);
  server = await startApp(database.url, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const { base } = server;
  const { token: access_token } = await signedInUser(base);
  const results = [];
  // Warm-up, not reported: JIT and connection pools.
  await run('warm-up', { url: bareUrl, duration: 2 });
  await run('warm-up', {
    url: `${base}/api/v1/users/me`,
    headers: { authorization: `Bearer ${access_token}` },
    duration: 2,
  });
  results.push(await run('bare Fastify GET /bare', { url: bareUrl }));
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
  await server?.stop();
  await bare.stop();
  await database.drop();
}

// Password hashing on the worker pool, at bcrypt cost 10:
// - login throughput against one core's bcryptjs ceiling, measured first in this process;
// - GET /api/v1/users/me p99 at a steady 100 requests a second, alone and during a storm of
//   wrong passwords for made-up login names (each name its own rate-limit key, as in a flood).
//
//   npm run bench:passwords -- [postgres-server-url] [seconds]
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SERVER_URL,
  freshDatabase,
  load,
  signedInUser,
  startApp,
  summary,
} from './lib/harness.mjs';

const serverUrl = process.argv[2] ?? DEFAULT_SERVER_URL;
const seconds = Number(process.argv[3] ?? 10);
const ROUNDS = 10;

function singleCoreCeiling() {
  const hash = bcrypt.hashSync('bench passphrase 1', ROUNDS);
  const deadline = performance.now() + seconds * 1000;
  let compares = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    bcrypt.compareSync('bench passphrase 1', hash);
    compares += 1;
  }
  return compares / ((performance.now() - started) / 1000);
}

const statuses = (result) =>
  Object.entries(result.statusCodeStats ?? {})
    .map(([code, { count }]) => `${code}:${count}`)
    .join(' ');

const database = await freshDatabase(serverUrl);
let app;
try {
  const ceiling = singleCoreCeiling();
  app = await startApp(database.url, { BCRYPT_ROUNDS: String(ROUNDS) });
  const user = await signedInUser(app.base);
  const loginUrl = `${app.base}/api/v1/auth/login`;
  const json = { 'content-type': 'application/json' };

  const logins = await load({
    url: loginUrl,
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: user.email, password: user.password }),
    connections: 8,
    duration: seconds,
  });
  const loginRate = logins['2xx'] / seconds;

  const me = {
    url: `${app.base}/api/v1/users/me`,
    headers: { authorization: `Bearer ${user.token}` },
    connections: 2,
    overallRate: 100,
    duration: seconds,
  };
  const alone = await load(me);
  const storm = {
    url: loginUrl,
    method: 'POST',
    headers: json,
    connections: 8,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            email: `${randomBytes(6).toString('hex')}@example.com`,
            password: 'wrong password',
          }),
        }),
      },
    ],
  };
  const [during, stormResult] = await Promise.all([load(me), load(storm)]);

  console.table([
    { title: `bcryptjs compareSync, one core (cost ${ROUNDS})`, 'per second': ceiling.toFixed(1) },
    {
      title: 'POST /api/v1/auth/login, 8 connections',
      'per second': loginRate.toFixed(1),
      statuses: statuses(logins),
    },
    {
      title: 'wrong-password storm, 8 connections',
      'per second': (stormResult.requests.total / seconds).toFixed(1),
      statuses: statuses(stormResult),
    },
  ]);
  console.table([
    summary('GET /users/me alone', alone),
    summary('GET /users/me during storm', during),
  ]);
  console.log(`login throughput / one-core ceiling: ${(loginRate / ceiling).toFixed(2)}`);
  console.log(
    `/users/me p99 during storm / alone: ${(during.latency.p99 / alone.latency.p99).toFixed(2)}`,
  );
} finally {
  await app?.stop();
  await database.drop();
}

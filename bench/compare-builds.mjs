// Compares compiled builds of the service on the authenticated request path, alternating them
// round by round against a bare Fastify route measured in every round, so that a drift of the
// machine's load touches every build alike. Each build is a directory holding a compiled
// `src/main.js`: `dist`, or a copy of another commit's `dist` under `bench/builds/` (ignored by
// git), inside this checkout so that it resolves the same node_modules.
//
//   npm run build && node bench/compare-builds.mjs <postgres-server-url> <seconds> <rounds> dist [other-dist ...]
//
// With BENCH_CPU_RATE=<req/s>, each round also offers that fixed rate (below every build's
// ceiling) for the same time and prints the server's CPU time per request (user + system, from
// /proc): a cost of a few percent shows there long before the machine's noise lets a
// throughput ratio show it.
import {
  cpuSeconds,
  DEFAULT_SERVER_URL,
  freePort,
  freshDatabase,
  load,
  signedInUser,
  startApp,
  startProcess,
  waitUntilHealthy,
} from './lib/harness.mjs';

const [serverUrl = DEFAULT_SERVER_URL, secondsArg = '5', roundsArg = '3', ...builds] =
  process.argv.slice(2);
const seconds = Number(secondsArg);
const rounds = Number(roundsArg);
if (builds.length === 0) builds.push('dist');
const path = process.env.BENCH_PATH ?? '/api/v1/users/me';
const cpuRate = Number(process.env.BENCH_CPU_RATE ?? 0);

const barePort = await freePort();
const bare = startProcess('bench/lib/bare-json-server.mjs', { PORT: String(barePort) });
const bareUrl = `http://127.0.0.1:${barePort}/bare`;
const ratios = new Map(builds.map((build) => [build, []]));
const cpuPerRequest = new Map(builds.map((build) => [build, []]));
try {
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);
  await load({ url: bareUrl, duration: 2 });
  for (let round = 1; round <= rounds; round++) {
    for (const build of round % 2 ? builds : [...builds].reverse()) {
      const database = await freshDatabase(serverUrl);
      const server = await startApp(database.url, {}, [], `${build}/src/main.js`);
      try {
        const { token } = await signedInUser(server.base);
        const url = `${server.base}${path}`;
        const headers = { authorization: `Bearer ${token}` };
        await load({ url, headers, duration: 2 });
        const ceiling = (await load({ url: bareUrl, duration: seconds })).requests.average;
        const result = await load({ url, headers, duration: seconds });
        const ratio = result.requests.average / ceiling;
        ratios.get(build).push(ratio);
        console.log(
          `round ${round} ${build}: bare ${Math.round(ceiling)} req/s, ${path} ${Math.round(result.requests.average)} req/s, ratio ${ratio.toFixed(3)}, non-2xx ${result.non2xx}`,
        );
        if (cpuRate) {
          const before = cpuSeconds(server.child.pid);
          const paced = await load({ url, headers, duration: seconds, overallRate: cpuRate });
          const micros = ((cpuSeconds(server.child.pid) - before) / paced.requests.total) * 1e6;
          cpuPerRequest.get(build).push(micros);
          console.log(
            `round ${round} ${build}: at ${cpuRate} req/s offered, ${Math.round(paced.requests.average)} answered, ${micros.toFixed(1)} µs CPU per request, non-2xx ${paced.non2xx}`,
          );
        }
      } finally {
        await server.stop();
        await database.drop();
      }
    }
  }
} finally {
  await bare.stop();
}
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
for (const [build, values] of ratios) {
  console.log(
    `${build}: mean ratio ${mean(values).toFixed(3)} (${values.map((v) => v.toFixed(3)).join(', ')})`,
  );
  const cpu = cpuPerRequest.get(build);
  if (cpu.length) {
    console.log(
      `${build}: mean ${mean(cpu).toFixed(1)} µs CPU per request (${cpu.map((v) => v.toFixed(1)).join(', ')})`,
    );
  }
}

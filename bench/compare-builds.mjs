// Compares compiled builds of the service on the authenticated request path, alternating them
// round by round against a bare Fastify route measured in every round, so that a drift of the
// machine's load touches every build alike. Each build is a directory holding a compiled
// `src/main.js`: `dist`, or a copy of another commit's `dist` under `bench/builds/` (ignored by
// git), inside this checkout so that it resolves the same node_modules.
//
//   npm run build && node bench/compare-builds.mjs <postgres-server-url> <seconds> <rounds> dist [other-dist ...]
//
// BENCH_PATHS (comma-separated, default the public JWKS and `GET /api/v1/users/me`, the latter
// with a bearer token) are each measured against the bare route in every round;
// BENCH_CONNECTIONS (default 32) connections each. The summary gives each ratio's median and
// its worst round. BENCH_SERVER_CPUS (see lib/harness.mjs) pins the servers to CPUs; run the
// bench itself under `taskset` on the others.
//
// With BENCH_CPU_RATE=<req/s>, each round also offers that fixed rate (below every build's
// ceiling) for the same time and prints the server's CPU time per request (user + system, from
// /proc), then the bare route's at the same rate, and their quotient (bare ÷ build, the
// throughput ratio a CPU-bound server would reach on an idle core): a cost of a few percent shows
// there long before the machine's noise lets a throughput ratio show it.
import {
  backToBack,
  buildComparisonArgs,
  cpuPerRequest as cpuPerRequestOf,
  freePort,
  freshDatabase,
  load,
  loadAverage,
  median,
  signedInUser,
  startApp,
  startProcess,
  waitUntilHealthy,
} from './lib/harness.mjs';

const { serverUrl, seconds, rounds, builds } = buildComparisonArgs(5, 3);
const paths = (process.env.BENCH_PATHS ?? '/.well-known/jwks.json,/api/v1/users/me').split(',');
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const key = (build, path) => `${build} ${path}`;
const cpuRate = Number(process.env.BENCH_CPU_RATE ?? 0);
// BENCH_SLICES=<n> measures each ratio in n alternating slices (harness backToBack); 1, the
// default, is one measurement of each.
const slices = Number(process.env.BENCH_SLICES ?? 1);

const cpuRatios = new Map(builds.flatMap((build) => paths.map((path) => [key(build, path), []])));

/** Server CPU per request on `url` at the fixed offered rate. */
const pacedCpu = (pid, url, headers) =>
  cpuPerRequestOf(pid, { url, headers, duration: seconds, overallRate: cpuRate, connections });

const barePort = await freePort();
const bare = startProcess('bench/lib/bare-json-server.mjs', { PORT: String(barePort) });
const bareUrl = `http://127.0.0.1:${barePort}/bare`;
const ratios = new Map(builds.flatMap((build) => paths.map((path) => [key(build, path), []])));
const cpuPerRequest = new Map(
  builds.flatMap((build) => paths.map((path) => [key(build, path), []])),
);
try {
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);
  await load({ url: bareUrl, duration: 2, connections });
  for (let round = 1; round <= rounds; round++) {
    for (const build of round % 2 ? builds : [...builds].reverse()) {
      const database = await freshDatabase(serverUrl);
      const server = await startApp(database.url, {}, [], `${build}/src/main.js`);
      try {
        const { token } = await signedInUser(server.base);
        const headers = { authorization: `Bearer ${token}` };
        for (const path of paths) {
          const url = `${server.base}${path}`;
          await load({ url, headers, duration: 2, connections });
          const {
            bare: bareRequests,
            route: routeRequests,
            non2xx,
          } = await backToBack({ bareUrl, url, headers, seconds, slices, connections });
          const ratio = routeRequests / bareRequests;
          ratios.get(key(build, path)).push(ratio);
          const perSecond = (requests) => Math.round(requests / seconds);
          console.log(
            `round ${round} ${build}: load ${loadAverage()}, bare ${perSecond(bareRequests)} req/s, ${path} ${perSecond(routeRequests)} req/s, ratio ${ratio.toFixed(3)}, non-2xx ${non2xx}`,
          );
          if (cpuRate) {
            const { micros, result: paced } = await pacedCpu(server.child.pid, url, headers);
            cpuPerRequest.get(key(build, path)).push(micros);
            const { micros: bareMicros } = await pacedCpu(bare.child.pid, bareUrl);
            cpuRatios.get(key(build, path)).push(bareMicros / micros);
            console.log(
              `round ${round} ${build}: ${path} at ${cpuRate} req/s offered, ${Math.round(paced.requests.average)} answered, ${micros.toFixed(1)} µs CPU per request (bare ${bareMicros.toFixed(1)}, CPU ratio ${(bareMicros / micros).toFixed(3)}), non-2xx ${paced.non2xx}`,
            );
          }
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
for (const [name, values] of ratios) {
  console.log(
    `${name}: median ratio ${median(values).toFixed(3)}, worst ${Math.min(...values).toFixed(3)}, mean ${mean(values).toFixed(3)} (${values.map((v) => v.toFixed(3)).join(', ')})`,
  );
}
for (const [name, cpu] of cpuPerRequest) {
  if (cpu.length) {
    const relative = cpuRatios.get(name);
    console.log(
      `${name}: median ${median(cpu).toFixed(1)} µs CPU per request (${cpu.map((v) => v.toFixed(1)).join(', ')}); bare ÷ this CPU per request: median ${median(relative).toFixed(3)}, worst ${Math.min(...relative).toFixed(3)} (${relative.map((v) => v.toFixed(3)).join(', ')})`,
    );
  }
}

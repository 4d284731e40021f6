// What the stack itself leaves of a bare Fastify route, with none of this service's code: a
// minimal Nest application (one controller route, no guards, pipes, hooks, logger or database)
// and a route added to that application's Fastify instance directly, each against the bare
// route (bare-json-server.mjs), all answering the same body; and each of the three again with
// the header set the service gives the matching route of its own (api-header-route.mjs: the
// JWKS's set on the Fastify routes, that of `GET /users/me` on the controller route, each with a
// fresh request id). Measured like compare-builds.mjs: each ratio from the bare route and the
// route measured back to back in every round (in BENCH_SLICES alternating slices, default 1),
// 32 connections by default. Needs the build (`npm run build`) for the header sets.
//
//   node bench/nest-floor.mjs [seconds] [rounds]
//
// With BENCH_CPU_RATE=<req/s>, each round also offers that rate to each route and prints its
// server's CPU time per request and bare ÷ that.
import {
  backToBack,
  cpuPerRequest as cpuPerRequestOf,
  freePort,
  load,
  loadAverage,
  median,
  startProcess,
  waitUntilHealthy,
} from './lib/harness.mjs';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const cpuRate = Number(process.env.BENCH_CPU_RATE ?? 0);
const slices = Number(process.env.BENCH_SLICES ?? 1);

const env = { BARE_WITH_HEADER_ROUTES: '1' };
const barePort = await freePort();
const nestPort = await freePort();
const bare = startProcess('bench/lib/bare-json-server.mjs', { ...env, PORT: String(barePort) });
const nest = startProcess('bench/lib/minimal-nest-server.mjs', { ...env, PORT: String(nestPort) });
const at = (port, path) => `http://127.0.0.1:${port}${path}`;
const reference = { name: 'bare Fastify', url: at(barePort, '/bare'), server: bare };
const targets = [
  { name: 'bare + JWKS headers', url: at(barePort, '/bare-jwks-headers'), server: bare },
  { name: 'Fastify route in Nest', url: at(nestPort, '/fastify-route'), server: nest },
  {
    name: 'Fastify route in Nest + JWKS headers',
    url: at(nestPort, '/fastify-route-jwks-headers'),
    server: nest,
  },
  { name: 'Nest controller', url: at(nestPort, '/controller'), server: nest },
  {
    name: 'Nest controller + /users/me headers',
    url: at(nestPort, '/controller-no-store-headers'),
    server: nest,
  },
];
const ratios = new Map(targets.map((target) => [target.name, []]));
const cpuRatios = new Map(targets.map((target) => [target.name, []]));

async function cpuPerRequest(target) {
  const paced = { url: target.url, duration: seconds, overallRate: cpuRate, connections };
  return (await cpuPerRequestOf(target.server.child.pid, paced)).micros;
}

try {
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);
  await waitUntilHealthy(`http://127.0.0.1:${nestPort}`);
  for (const target of [reference, ...targets]) {
    await load({ url: target.url, duration: 2, connections });
  }
  for (let round = 1; round <= rounds; round++) {
    const parts = [];
    for (const target of targets) {
      const { bare: bareRequests, route: routeRequests } = await backToBack({
        bareUrl: reference.url,
        url: target.url,
        seconds,
        slices,
        connections,
      });
      const ratio = routeRequests / bareRequests;
      ratios.get(target.name).push(ratio);
      let cpu = '';
      if (cpuRate) {
        const [route, ceiling] = [await cpuPerRequest(target), await cpuPerRequest(reference)];
        cpuRatios.get(target.name).push(ceiling / route);
        cpu = `, ${route.toFixed(1)} µs CPU per request (bare ${ceiling.toFixed(1)})`;
      }
      const perSecond = (requests) => Math.round(requests / seconds);
      parts.push(
        `${target.name} ${perSecond(routeRequests)} req/s (bare ${perSecond(bareRequests)}), ratio ${ratio.toFixed(3)}${cpu}`,
      );
    }
    console.log(`round ${round}: load ${loadAverage()}\n  ${parts.join('\n  ')}`);
  }
  for (const target of targets) {
    const values = ratios.get(target.name);
    const cpu = cpuRatios.get(target.name);
    console.log(
      `${target.name} / bare: median ${median(values).toFixed(3)}, worst ${Math.min(...values).toFixed(3)} ` +
        `(${values.map((v) => v.toFixed(3)).join(', ')})` +
        (cpuRate ? `; by CPU per request, median ${median(cpu).toFixed(3)}` : ''),
    );
  }
} finally {
  await bare.stop();
  await nest.stop();
}

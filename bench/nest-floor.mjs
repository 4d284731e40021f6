// What the stack itself leaves of a bare Fastify route, with none of this service's code: a
// minimal Nest application (one controller route, no guards, pipes, hooks, logger or database)
// and a route added to that application's Fastify instance directly, each against the bare
// route (bare-json-server.mjs), all three answering the same body. Measured like
// compare-builds.mjs: alternating, the bare route in every round, 32 connections by default.
//
//   node bench/nest-floor.mjs [seconds] [rounds]
//
// With BENCH_CPU_RATE=<req/s>, each round also offers that rate to each server and prints its
// CPU time per request and bare ÷ that.
import { loadavg } from 'node:os';
import { cpuSeconds, freePort, load, startProcess, waitUntilHealthy } from './lib/harness.mjs';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const cpuRate = Number(process.env.BENCH_CPU_RATE ?? 0);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const barePort = await freePort();
const nestPort = await freePort();
const bare = startProcess('bench/lib/bare-json-server.mjs', { PORT: String(barePort) });
const nest = startProcess('bench/lib/minimal-nest-server.mjs', { PORT: String(nestPort) });
const targets = [
  { name: 'bare Fastify', url: `http://127.0.0.1:${barePort}/bare`, server: bare },
  { name: 'Nest controller', url: `http://127.0.0.1:${nestPort}/controller`, server: nest },
  {
    name: 'Fastify route in Nest',
    url: `http://127.0.0.1:${nestPort}/fastify-route`,
    server: nest,
  },
];
const ratios = new Map(targets.map((target) => [target.name, []]));
const cpuRatios = new Map(targets.map((target) => [target.name, []]));
try {
  await waitUntilHealthy(`http://127.0.0.1:${barePort}`);
  await waitUntilHealthy(`http://127.0.0.1:${nestPort}`);
  for (const target of targets) await load({ url: target.url, duration: 2, connections });
  for (let round = 1; round <= rounds; round++) {
    const rates = [];
    const cpu = [];
    for (const target of targets) {
      rates.push(
        (await load({ url: target.url, duration: seconds, connections })).requests.average,
      );
      if (cpuRate) {
        const before = cpuSeconds(target.server.child.pid);
        const paced = await load({
          url: target.url,
          duration: seconds,
          overallRate: cpuRate,
          connections,
        });
        cpu.push(((cpuSeconds(target.server.child.pid) - before) / paced.requests.total) * 1e6);
      }
    }
    targets.forEach((target, i) => {
      ratios.get(target.name).push(rates[i] / rates[0]);
      if (cpuRate) cpuRatios.get(target.name).push(cpu[0] / cpu[i]);
    });
    console.log(
      `round ${round}: load ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}, ` +
        targets
          .map(
            (target, i) =>
              `${target.name} ${Math.round(rates[i])} req/s` +
              (cpuRate ? ` (${cpu[i].toFixed(1)} µs CPU per request)` : ''),
          )
          .join(', '),
    );
  }
  for (const target of targets.slice(1)) {
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

// Shared by the benches: a fresh database on a
// PostgreSQL server, the compiled app in its own process, and autocannon runs.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A port nothing listens on now: the system's pick for port 0 (other services run here). */
/**
 * The command line of the benches that compare builds:
 * `<postgres-server-url> <seconds> <rounds> [build ...]` (builds default to `dist`).
 */
export function buildComparisonArgs(defaultSeconds, defaultRounds) {
  const [
    serverUrl = DEFAULT_SERVER_URL,
    seconds = defaultSeconds,
    rounds = defaultRounds,
    ...builds
  ] = process.argv.slice(2);
  return {
    serverUrl,
    seconds: Number(seconds),
    rounds: Number(rounds),
    builds: builds.length ? builds : ['dist'],
  };
}

export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function admin(serverUrl, sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database on the server; `drop()` removes it. */
export async function freshDatabase(serverUrl) {
  const name = `auth_bench_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

export async function waitUntilHealthy(base, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${base} did not become healthy`);
}

/**
 * Starts a Node script in its own process; `stop()` ends it with SIGTERM. With `capture`, its
 * output is kept (`output()`) instead of shown; with `wrap` (a command and its arguments), Node
 * runs under that command (e.g. valgrind), which must exec Node in place or keep its pid.
 */
export function startProcess(script, env, nodeArgs = [], { capture = false, wrap = [] } = {}) {
  // BENCH_SERVER_CPUS=1 pins the process to those CPUs (taskset execs Node in place, so the pid
  // is Node's); run the bench itself under `taskset -c 0` and the load no longer competes with
  // the server for a core.
  const cpus = process.env.BENCH_SERVER_CPUS;
  const [command, ...args] = [
    ...(cpus ? ['taskset', '-c', cpus] : []),
    ...wrap,
    process.execPath,
    ...nodeArgs,
    script,
  ];
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * The compiled app on `databaseUrl`, rate limits off, healthy when this resolves; `nodeArgs`
 * go to Node (e.g. `--cpu-prof`); `options` go to startProcess, and `healthyWithinMs` is how
 * long it may take to start (default 30 s).
 */
export async function startApp(
  databaseUrl,
  env = {},
  nodeArgs = [],
  script = 'dist/src/main.js',
  options = {},
) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = startProcess(
    script,
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      RATE_LIMIT_ENABLED: 'false',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ...env,
    },
    nodeArgs,
    options,
  );
  await waitUntilHealthy(base, options.healthyWithinMs);
  return { ...app, base };
}

export async function post(base, path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A user with a session; returns its access token and id. */
export async function signedInUser(base, name = 'bench') {
  const credentials = {
    email: `${name}@example.com`,
    username: name,
    password: 'bench passphrase 1',
  };
  const registered = await post(base, '/api/v1/auth/register', credentials);
  const login = await post(base, '/api/v1/auth/login', {
    email: credentials.email,
    password: credentials.password,
  });
  return { id: registered.body.id, token: login.body.access_token, ...credentials };
}

export function load(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: 20, ...options }, (error, result) => {
      if (error) reject(error);
      else resolve(result);
    });
  });
}

export function summary(title, result) {
  return {
    title,
    'req/s (mean)': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid) {
  // The fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory of a process, MiB, from /proc (Linux). */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024);
}

/**
 * Times `GET url` over and over, one at a time, until `stop()`; `stop()` resolves to the
 * latencies' summary (ms). What one legitimate client sees while a load runs.
 */
export function probeLatency(url, headers = {}) {
  const samples = [];
  const statuses = new Map();
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(url, { headers }).catch(() => undefined);
      await response?.arrayBuffer();
      samples.push(performance.now() - started);
      const status = response?.status ?? 'error';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = samples.sort((a, b) => a - b);
      const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
      const ms = (x) => Math.round(x * 10) / 10;
      return {
        n: sorted.length,
        p50: ms(at(0.5)),
        p99: ms(at(0.99)),
        max: ms(sorted[sorted.length - 1] ?? NaN),
        statuses: Object.fromEntries(statuses),
      };
    },
  };
}

/** The value of one sample of a Prometheus text exposition (summed over matching lines). */
export function metricValue(text, name, labels = '') {
  let total = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels)) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}

/** Answers by status, from an autocannon result. */
export function statusCounts(result) {
  return Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]),
  );
}

/**
 * Runs `run(build)` for each build in every round, alternating their order from round to
 * round so that a drift of the machine's load touches them alike; prints each result as it
 * comes and all of them as a table at the end.
 */
export async function alternateBuilds(builds, rounds, run) {
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    for (const build of round % 2 ? builds : [...builds].reverse()) {
      const result = { round, build, ...(await run(build)) };
      console.log(result);
      results.push(result);
    }
  }
  console.table(results);
  return results;
}

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export function loadAverage() {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/**
 * The CPU time (user + system) process `pid` spends per request, in µs, while autocannon runs
 * `options` (a paced load: `overallRate`); with the run's result.
 */
export async function cpuPerRequest(pid, options) {
  const before = cpuSeconds(pid);
  const result = await load(options);
  return { micros: ((cpuSeconds(pid) - before) / result.requests.total) * 1e6, result };
}

/**
 * The bare route and a route measured back to back, in `slices` alternating slices of
 * `seconds / slices` each (bare, route, bare...): the requests each answered in all, and the
 * route's non-2xx. On this shared machine the bare route's rate moved by a factor of two
 * between measurements seconds apart; slices put both sides of a ratio under the same moments.
 */
export async function backToBack({ bareUrl, url, headers, seconds, slices = 1, connections }) {
  const duration = seconds / slices;
  const sums = { bare: 0, route: 0, non2xx: 0 };
  for (let slice = 0; slice < slices; slice++) {
    sums.bare += (await load({ url: bareUrl, duration, connections })).requests.total;
    const result = await load({ url, headers, duration, connections });
    sums.route += result.requests.total;
    sums.non2xx += result.non2xx;
  }
  return sums;
}

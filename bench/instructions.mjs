// Instructions per request, counted by valgrind's callgrind, where req/s and CPU time swing
// from round to round by more than the steps being measured. Each server runs under callgrind
// with instrumentation off while it starts and warms up; then, for each route, instrumentation
// is switched on, one count of a fixed number of requests is thrown away (the first runs about
// twice the later ones), the next is kept, and a count of 2 s with no requests (timers),
// scaled to the kept count's length, is taken off. The kernel's share (the socket's read and
// writev, one each per request on every route here, by `strace -c`) is not in the count.
//
//   npm run build && node bench/instructions.mjs [postgres-server-url] [requests] [rounds] [build ...]
//
// Servers: the bare route (bare-json-server.mjs), the minimal Nest application
// (minimal-nest-server.mjs: a controller route and a route on its Fastify instance, each also
// with the service's header set as nest-floor.mjs measures them; skipped with
// BENCH_NEST_FLOOR=0) and each build (default `dist`) on the public JWKS and
// `GET /api/v1/users/me` with a bearer token. The summary gives each route's instructions per
// request (median of the rounds) and the bare route's count divided by it.
//
// Repeatable to within 1 % for the bare route and the minimal Nest application. The service's
// own figures are not (seen: 93k to 110k on the JWKS, 164k to 440k on `/users/me`, same build):
// its work driven by the clock (the revocation feed's probes, every 125 ms under load; the key
// ring's reads) is a hundred times larger per request at callgrind's speed, and a probe that
// comes back late sends requests to the database. That work only adds, so the summary also
// gives each route's least count over the rounds: compare builds by it, with several rounds.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildComparisonArgs,
  freePort,
  freshDatabase,
  median,
  signedInUser,
  startApp,
  startProcess,
  waitUntilHealthy,
} from './lib/harness.mjs';

const { serverUrl, seconds: requests, rounds, builds } = buildComparisonArgs(3000, 3);
const warmUp = Number(process.env.BENCH_WARM_UP ?? 50_000);
const outDir = mkdtempSync(join(tmpdir(), 'callgrind-'));
const STARTUP_MS = 10 * 60_000;

// With BENCH_MAIN_THREAD=1 only the main thread's instructions are counted (the request
// path), not V8's worker threads: on `/users/me` under callgrind's slowness they were still
// compiling after the warm-up, half of some counts (seen in a dump of each thread). The
// parallel parts of garbage collection are left out with them.
const mainThreadOnly = process.env.BENCH_MAIN_THREAD === '1';

function underCallgrind(name) {
  return [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    ...(mainThreadOnly ? ['--separate-threads=yes'] : []),
    `--callgrind-out-file=${join(outDir, `${name}.%p`)}`,
  ];
}

function control(pid, ...args) {
  const result = spawnSync('callgrind_control', [...args, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${args}: ${result.stderr}`);
}

/**
 * Instructions counted from now until `work` resolves, read from the dump it leaves. The
 * server's instrumentation must be on (switching it on or off upsets the next dump's totals).
 */
async function count(pid, work) {
  const before = new Set(readdirSync(outDir));
  control(pid, '-z');
  const started = Date.now();
  await work();
  const elapsed = Date.now() - started;
  control(pid, '-d');
  // The dump is written by the server's own thread; wait for its file.
  for (let tries = 0; tries < 600; tries++) {
    const dump = readdirSync(outDir).find(
      (file) => !before.has(file) && (mainThreadOnly ? /\.\d+-01$/ : /\.\d+$/).test(file),
    );
    const text = dump && readFileSync(join(outDir, dump), 'utf8');
    const totals = text && /^(?:summary|totals): (\d+)$/m.exec(text);
    if (totals) return { instructions: Number(totals[1]), elapsed };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('callgrind wrote no dump');
}

function fire(url, amount, headers = {}) {
  return new Promise((resolve, reject) =>
    autocannon({ url, amount, connections: 8, headers }, (error, result) => {
      if (error) reject(error);
      else if (result.non2xx || result.errors)
        reject(new Error(`${url}: ${result.non2xx} non-2xx`));
      else resolve(result);
    }),
  );
}

/**
 * Instructions per request on `url`, less what the server does idle over as long a time (a
 * count of 2 s with no requests, scaled: the server closes connections idle for 5 s).
 */
async function perRequest(pid, url, headers) {
  await fire(url, warmUp, headers);
  control(pid, '-i', 'on');
  // The first count after instrumentation starts runs about twice the later ones (seen on the
  // bare route: 172k, then 73k and 72k): it is thrown away.
  await count(pid, () => fire(url, requests, headers));
  const busy = await count(pid, () => fire(url, requests, headers));
  const idle = await count(pid, () => new Promise((resolve) => setTimeout(resolve, 2000)));
  control(pid, '-i', 'off');
  return (busy.instructions - (idle.instructions * busy.elapsed) / idle.elapsed) / requests;
}

const results = new Map();
function record(name, value) {
  if (!results.has(name)) results.set(name, []);
  results.get(name).push(value);
  console.log(`${name}: ${Math.round(value)} instructions per request`);
}

async function measureScript(name, script, paths, env = {}) {
  const port = await freePort();
  const server = startProcess(script, { ...env, PORT: String(port) }, [], {
    wrap: underCallgrind(name),
  });
  try {
    await waitUntilHealthy(`http://127.0.0.1:${port}`, STARTUP_MS);
    for (const [label, path] of paths)
      record(label, await perRequest(server.child.pid, `http://127.0.0.1:${port}${path}`));
  } finally {
    await server.stop();
  }
}

async function measureBuild(build) {
  const database = await freshDatabase(serverUrl);
  const server = await startApp(database.url, { BCRYPT_ROUNDS: '4' }, [], `${build}/src/main.js`, {
    wrap: underCallgrind(build.replaceAll('/', '_')),
    healthyWithinMs: STARTUP_MS,
  });
  try {
    const { token } = await signedInUser(server.base);
    const pid = server.child.pid;
    record(`${build} JWKS`, await perRequest(pid, `${server.base}/.well-known/jwks.json`));
    record(
      `${build} /users/me`,
      await perRequest(pid, `${server.base}/api/v1/users/me`, {
        authorization: `Bearer ${token}`,
      }),
    );
  } finally {
    await server.stop();
    await database.drop();
  }
}

try {
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    await measureScript('bare', 'bench/lib/bare-json-server.mjs', [['bare route', '/bare']]);
    if (process.env.BENCH_NEST_FLOOR !== '0') {
      // The floors again with the service's header sets (nest-floor.mjs says which).
      const withHeaders = { BARE_WITH_HEADER_ROUTES: '1' };
      await measureScript(
        'bare-headers',
        'bench/lib/bare-json-server.mjs',
        [['bare + JWKS headers', '/bare-jwks-headers']],
        withHeaders,
      );
      await measureScript(
        'nest',
        'bench/lib/minimal-nest-server.mjs',
        [
          ['minimal Nest controller', '/controller'],
          ['minimal Nest controller + /users/me headers', '/controller-no-store-headers'],
          ['Fastify route in Nest', '/fastify-route'],
          ['Fastify route in Nest + JWKS headers', '/fastify-route-jwks-headers'],
        ],
        withHeaders,
      );
    }
    for (const build of builds) await measureBuild(build);
  }
} finally {
  // BENCH_KEEP_DUMPS keeps callgrind's dumps, for callgrind_annotate (the counted ones are the
  // second of each route's three).
  if (process.env.BENCH_KEEP_DUMPS) console.log(`callgrind dumps in ${outDir}`);
  else rmSync(outDir, { recursive: true, force: true });
}
const bare = median(results.get('bare route'));
for (const [name, values] of results) {
  const least = Math.min(...values);
  console.log(
    `${name}: median ${Math.round(median(values))}, least ${Math.round(least)} instructions ` +
      `per request (${values.map(Math.round).join(', ')}); bare ÷ median ` +
      `${(bare / median(values)).toFixed(3)}, bare ÷ least ${(bare / least).toFixed(3)}`,
  );
}

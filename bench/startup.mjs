// Start to healthy on an existing embedded database, and the app's resident memory once idle.
// A first start creates the database (not timed); then each timed start spawns
// `node dist/src/main.js` and polls /api/v1/health until it answers 200.
//
// With a third argument, also the resident memory that many seconds after start, once V8 has
// had the idle time to give back the young generation that start-up grew (its memory reducer
// runs some 20 to 30 s after the last busy moment).
//
//   npm run bench:startup -- [starts] [idle-seconds] [settled-seconds]
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitUntilHealthy } from './lib/harness.mjs';

const starts = Number(process.argv[2] ?? 3);
const idleSeconds = Number(process.argv[3] ?? 5);
const settledSeconds = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-startup-'));
// Run as root, the embedded PostgreSQL runs as `postgres`, which must reach the folder.
chmodSync(dataDir, 0o755);

/** Resident memory of a process, in MB (the Node process only, not PostgreSQL). */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function start() {
  const port = await freePort();
  const began = performance.now();
  const app = startProcess('dist/src/main.js', {
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    PORT: String(port),
    NODE_ENV: 'development',
  });
  await waitUntilHealthy(`http://127.0.0.1:${port}`, 60_000);
  return { app, ms: performance.now() - began };
}

try {
  const first = await start();
  await first.app.stop();
  const rows = [];
  for (let i = 1; i <= starts; i++) {
    const { app, ms } = await start();
    await sleep(idleSeconds);
    const row = {
      start: i,
      'start to healthy, s': (ms / 1000).toFixed(2),
      [`RSS after ${idleSeconds} s idle, MB`]: rssMb(app.child.pid).toFixed(0),
    };
    if (settledSeconds !== undefined) {
      await sleep(settledSeconds - idleSeconds);
      row[`RSS after ${settledSeconds} s idle, MB`] = rssMb(app.child.pid).toFixed(0);
    }
    rows.push(row);
    await app.stop();
  }
  console.table(rows);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

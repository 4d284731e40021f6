// CPU profile of the server under the authenticated request path's load: starts the compiled
// server with `node --cpu-prof`, loads `GET /api/v1/users/me` with a bearer token (20
// connections, like request-path.mjs), or `GET /api/v1/templates/:id` with PROFILE_ROUTE=template
// (like templates.mjs), or any path with PROFILE_PATH (e.g. /.well-known/jwks.json), stops the server so that it writes its profile, and prints where the
// busy time of the last seconds went, by package and by function.
//
//   npm run build && node bench/profile-request-path.mjs [postgres-server-url] [seconds] [profile-dir]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SERVER_URL,
  freshDatabase,
  load,
  post,
  signedInUser,
  startApp,
} from './lib/harness.mjs';

const serverUrl = process.argv[2] ?? DEFAULT_SERVER_URL;
const seconds = Number(process.argv[3] ?? 10);
const profileDir = process.argv[4] ?? mkdtempSync(join(tmpdir(), 'auth-profile-'));

const database = await freshDatabase(serverUrl);
let server;
try {
  server = await startApp(database.url, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
  ]);
  const { base } = server;
  const { token: access_token } = await signedInUser(base);
  let path = process.env.PROFILE_PATH ?? '/api/v1/users/me';
  if (process.env.PROFILE_ROUTE === 'template') {
    const body = { name: 'Welcome email', content: 'Hello {{name}}, welcome aboard! '.repeat(8) };
    const created = await post(base, '/api/v1/templates', body, access_token);
    path = `/api/v1/templates/${created.body.id}`;
  }
  const result = await load({
    url: `${base}${path}`,
    headers: { authorization: `Bearer ${access_token}` },
    duration: seconds + 2,
  });
  console.log(`${Math.round(result.requests.average)} req/s, ${result.non2xx} non-2xx`);
} finally {
  await server?.stop();
  await database.drop();
}

// The main thread's profile (the password workers write their own); only the last `seconds`,
// so that start-up and registration are left out.
const file = readdirSync(profileDir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(profileDir, name))
  .find((path) =>
    JSON.parse(readFileSync(path, 'utf8')).nodes.some((n) => /main\.js$/.test(n.callFrame.url)),
  );
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byPackage = new Map();
const byFunction = new Map();
let busy = 0;
let idle = 0;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i];
  at += delta;
  if (at < profile.endTime - seconds * 1e6) return;
  const { functionName, url: source, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') return void (idle += delta);
  busy += delta;
  const where = source.includes('node_modules/')
    ? source.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    : source.includes('/dist/')
      ? source.replace(/.*\/dist\//, '')
      : source
        ? 'node'
        : functionName;
  byPackage.set(where, (byPackage.get(where) ?? 0) + delta);
  const name = `${functionName || '(anonymous)'} ${source.replace(/.*node_modules\//, '')}:${lineNumber}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
});
const top = (map, count) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / busy).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
console.log(
  `${file}\nidle ${((100 * idle) / (idle + busy)).toFixed(1)} % of the last ${seconds} s`,
);
console.log(`\nbusy time by package\n${top(byPackage, 25)}`);
console.log(`\nbusy time by function (self)\n${top(byFunction, 30)}`);

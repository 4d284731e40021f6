// Builds the OpenAPI document from the compiled app exactly as it serves it at /docs-json, then
// writes it to docs/openapi.json (--write) or fails when the committed one differs (--check).
// Both validate it as OpenAPI 3. Needs `npm run build` first (the npm scripts do it).
import SwaggerParser from '@apidevtools/swagger-parser';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILE = 'docs/openapi.json';
const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  console.error('usage: node scripts/openapi.mjs --write | --check');
  process.exit(2);
}

/** Every object's keys sorted, so the file changes only when the API does. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

async function servedDocument() {
  const scratch = await mkdtemp(join(tmpdir(), 'openapi-'));
  // Run as root, PostgreSQL runs as the postgres user and must reach its data directory.
  await chmod(scratch, 0o755);
  let database;
  let app;
  try {
    const { validateEnvironment } = await import('../dist/src/config/environment.js');
    const { startDatabase } = await import('../dist/src/database/start-database.js');
    const { createApp } = await import('../dist/src/app.factory.js');
    database = await startDatabase(
      validateEnvironment({
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATA_DIR: scratch,
        JWT_SECRET: process.env.JWT_SECRET ?? 'openapi-document-only-secret-0123456789abcdef',
        JWT_KEY_ENCRYPTION_KEY:
          process.env.JWT_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
      }),
      { quiet: true },
    );
    app = await createApp({ env: database.env });
    const reply = await app.inject({ method: 'GET', url: '/docs-json' });
    if (reply.statusCode !== 200) throw new Error(`GET /docs-json answered ${reply.statusCode}`);
    return JSON.parse(reply.body);
  } finally {
    await app?.close();
    await database?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

const document = sortKeys(await servedDocument());
// The parser resolves $refs in place: give it a copy.
await SwaggerParser.validate(structuredClone(document));
if (!document.openapi?.startsWith('3.')) throw new Error(`not OpenAPI 3: ${document.openapi}`);
const text = `${JSON.stringify(document, null, 2)}\n`;

if (mode === '--write') {
  await writeFile(FILE, text);
  console.log(`${FILE} written (valid OpenAPI ${document.openapi}).`);
} else {
  const committed = await readFile(FILE, 'utf8').catch(() => '');
  if (committed !== text) {
    const a = committed.split('\n');
    const b = text.split('\n');
    const line = a.findIndex((value, index) => value !== b[index]);
    console.error(
      `${FILE} differs from the document the app serves (first at line ${line + 1}):\n` +
        `  committed: ${a[line] ?? '(end of file)'}\n  served:    ${b[line] ?? '(end of file)'}\n` +
        'Run `npm run openapi:write` and commit the result.',
    );
    process.exit(1);
  }
  console.log(`${FILE} matches the served document (valid OpenAPI ${document.openapi}).`);
}

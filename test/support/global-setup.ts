import { randomBytes } from 'node:crypto';
import Module from 'node:module';
import type { TestDatabase } from './database.js';

declare global {
  var e2eDatabase: TestDatabase | undefined;
}

type Resolve = (request: string, ...rest: unknown[]) => string;

/**
 * Jest loads global hooks as CommonJS without `moduleNameMapper`, so the `.js` specifiers of
 * our NodeNext sources do not resolve to their `.ts` files there. Map them, for this hook only.
 */
function resolveTypeScriptSources(): void {
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, ...rest) {
    try {
      return resolve.call(this, request, ...rest);
    } catch (error) {
      if (!/^\.\.?\/.*\.js$/.test(request)) throw error;
      return resolve.call(this, request.replace(/\.js$/, '.ts'), ...rest);
    }
  };
}

/** One PostgreSQL for the whole e2e run; each spec file empties the tables when it starts. */
export default async function globalSetup(): Promise<void> {
  resolveTypeScriptSources();
  // Jest runs this hook as CommonJS, where `require` (not `import()`) goes through the mapping.
  const { connectionEnv, openTestDatabase } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./database.js') as typeof import('./database.js');
  globalThis.e2eDatabase = await openTestDatabase();
  const algorithm = process.env.JWT_ALGORITHM ?? 'HS256';
  if (algorithm !== 'HS256' && !process.env.JWT_PRIVATE_KEY) {
    // The same suite, signed with a fresh key pair (e.g. JWT_ALGORITHM=ES256 npm run test:e2e).
    const { exportPKCS8, exportSPKI, generateKeyPair } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
    process.env.JWT_PRIVATE_KEY = await exportPKCS8(privateKey);
    process.env.JWT_PUBLIC_KEY = await exportSPKI(publicKey);
  }
  Object.assign(process.env, {
    NODE_ENV: 'test',
    // Through the pooler of TEST_POOLER_URL when there is one; the direct URL for the tests' SQL.
    ...connectionEnv(globalThis.e2eDatabase.url),
    E2E_DIRECT_URL: globalThis.e2eDatabase.url,
    JWT_SECRET: 'e2e-secret-that-is-long-enough-for-hs256-0123456789',
    // One key-encryption key for the run: the servers a spec starts read the same keys.
    JWT_KEY_ENCRYPTION_KEY:
      process.env.JWT_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    RATE_LIMIT_ENABLED: 'false',
    DATA_DIR: '.data/e2e',
  });
}

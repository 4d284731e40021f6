import e2e from './jest-e2e.config.js';

/**
 * The e2e suite through a transaction pooler (`npm run test:e2e:pooler`, which starts PgBouncer),
 * plus the specs only that configuration can run (`*.pooler-spec.ts`). Without
 * TEST_POOLER_DIRECT=true the service has no direct connection, so it answers every bearer check
 * from the database: the revocation-feed specs, which are about answering from memory over
 * that connection, do not apply; test/pooler.pooler-spec.ts covers what it does instead. The
 * browser spec of the mailed-link pages runs in the plain suite only: its API calls are those of
 * account-recovery.e2e-spec.ts, which runs here, and Chromium costs CI time for nothing new.
 */
const direct = process.env.TEST_POOLER_DIRECT === 'true';

/** @type {import('jest').Config} */
export default {
  ...e2e,
  testRegex: '\\.(e2e|pooler)-spec\\.ts$',
  testPathIgnorePatterns: [
    '/node_modules/',
    'account-pages\\.e2e-spec',
    ...(direct ? [] : ['revocation-feed\\.e2e-spec']),
  ],
};

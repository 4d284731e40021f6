import type { Logger } from '@nestjs/common';
import { EMBEDDED_DATABASE, embeddedDataDir, startEmbeddedPostgres } from './embedded-postgres.js';

/** The two settings that say where the database is. */
export interface DatabaseSettings {
  DATABASE_URL?: string;
  DATA_DIR: string;
}

export interface StartedDatabase<E extends DatabaseSettings> {
  /** The given environment, with the DATABASE_URL to use. */
  env: E & { DATABASE_URL: string };
  /** Stops the embedded cluster when this started one; with a DATABASE_URL, nothing. */
  stop(): Promise<void>;
}

/**
 * The one way the server and the CLI reach their database: DATABASE_URL when set, or else the
 * embedded cluster in DATA_DIR/postgres, started here. The environment given is not changed.
 */
export async function startDatabase<E extends DatabaseSettings>(
  env: E,
  options: { quiet?: boolean; logger?: Logger } = {},
): Promise<StartedDatabase<E>> {
  if (env.DATABASE_URL) {
    return { env: { ...env, DATABASE_URL: env.DATABASE_URL }, stop: () => Promise.resolve() };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: embeddedDataDir(env.DATA_DIR),
    database: EMBEDDED_DATABASE,
    ...options,
  });
  return { env: { ...env, DATABASE_URL: embedded.url }, stop: () => embedded.stop() };
}

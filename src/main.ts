import 'reflect-metadata';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { Logger } from '@nestjs/common';
import { createLogger, PinoNestLogger } from './common/logging/logger.js';
import { EnvironmentError, validateEnvironment } from './config/environment.js';
import {
  DataDirInUseError,
  DataDirUnreachableError,
  EMBEDDED_DATABASE,
  embeddedDataDir,
  RunningDatabase,
  startEmbeddedPostgres,
} from './database/embedded-postgres.js';

async function bootstrap(): Promise<void> {
  const env = validateEnvironment(process.env);
  const logger = createLogger(env.LOG_LEVEL);
  Logger.overrideLogger(new PinoNestLogger(logger));

  let embedded: RunningDatabase | undefined;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({
      dataDir: embeddedDataDir(env.DATA_DIR),
      database: EMBEDDED_DATABASE,
    });
    // The app reads DATABASE_URL from the environment, like any other setting.
    process.env.DATABASE_URL = embedded.url;
  }

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // One order, on purpose: stop accepting connections and let the requests in flight finish
    // (idle keep-alive connections close at once) while everything they use is still open
    // (app.close() runs the modules' destroy hooks, such as the Redis client's, before it closes
    // the server); then the modules and the pool, then PostgreSQL.
    await (app?.getHttpAdapter() as FastifyAdapter | undefined)
      ?.close()
      .catch((error: unknown) => logger.error({ err: error }, 'closing the server failed'));
    await app?.close().catch((error: unknown) => logger.error({ err: error }, 'close failed'));
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, (s) => void shutdown(s));
  }

  try {
    app = await createApp({ logger, env });
    await app.listen({ port: env.PORT, host: '0.0.0.0' });
    logger.info({ port: env.PORT, docs: '/docs' }, 'auth service listening');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

bootstrap().catch((error: unknown) => {
  const message =
    error instanceof EnvironmentError || error instanceof DataDirUnreachableError
      ? error.message
      : error instanceof DataDirInUseError
        ? `${error.message} Is the service already running? Stop it, or give this one another ` +
          'DATA_DIR or a DATABASE_URL.'
        : error;
  console.error(message);
  process.exit(1);
});

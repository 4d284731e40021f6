import 'reflect-metadata';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { Logger } from '@nestjs/common';
import { createLogger, PinoNestLogger } from './common/logging/logger.js';
import { withDevelopmentSecret } from './config/development-secret.js';
import { EnvironmentError, publicUrlWarning, validateEnvironment } from './config/environment.js';
import { environmentVariables } from './config/environment-variables.js';
import {
  DataDirInUseError,
  DataDirUnreachableError,
  EmbeddedPostgresMissingError,
} from './database/embedded-postgres.js';
import { startDatabase } from './database/start-database.js';

async function bootstrap(): Promise<void> {
  // Parsed and validated once, into the one object every module is given.
  const validated = validateEnvironment(environmentVariables());
  const logger = createLogger(validated.LOG_LEVEL);
  Logger.overrideLogger(new PinoNestLogger(logger));
  const linkWarning = publicUrlWarning(validated);
  if (linkWarning) logger.warn(linkWarning);
  const database = await startDatabase(validated);

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
    await database.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, (s) => void shutdown(s));
  }

  try {
    // The boot's only write: outside production, a generated HS256 secret kept in DATA_DIR. After
    // the database, whose DATA_DIR/postgres must stay reachable (as root, by the postgres user)
    // through the private folder this creates.
    const env = withDevelopmentSecret(database.env);
    app = await createApp({ logger, env });
    await app.listen({ port: env.PORT, host: '0.0.0.0' });
    logger.info({ port: env.PORT, docs: '/docs' }, 'auth service listening');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
}

bootstrap().catch((error: unknown) => {
  const message =
    error instanceof EnvironmentError ||
    error instanceof DataDirUnreachableError ||
    error instanceof EmbeddedPostgresMissingError
      ? error.message
      : error instanceof DataDirInUseError
        ? `${error.message} Is the service already running? Stop it, or give this one another ` +
          'DATA_DIR or a DATABASE_URL.'
        : error;
  console.error(message);
  process.exit(1);
});

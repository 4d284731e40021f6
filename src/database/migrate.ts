import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';

// Any constant will do, as long as nothing else in the database uses it.
const MIGRATION_LOCK = 7_291_100;

/**
 * Opens the data source and applies pending migrations under a PostgreSQL advisory lock, so
 * that instances starting together (or the CLI beside the app) never run them twice at once.
 * `directUrl` (DATABASE_DIRECT_URL), when given, carries the migrations instead of the pool's
 * URL. For `TypeOrmModule.forRootAsync({ dataSourceFactory })`.
 */
export async function openMigratedDataSource(
  options: DataSourceOptions | undefined,
  directUrl?: string,
): Promise<DataSource> {
  if (!options) throw new Error('No data source options');
  // Migrations (and waiting for another instance's) may outlast the request timeouts: their own
  // connection, without them.
  const extra = { ...(options.extra as Record<string, unknown>) };
  delete extra.query_timeout;
  delete extra.Client;
  const url = directUrl ?? (options as { url?: string }).url;
  await migrate(
    // The plain `pg` driver: its short-lived pool is not the one the app's DatabasePool holds.
    new DataSource({
      ...options,
      url,
      extra,
      driver: undefined,
      migrationsRun: false,
    } as DataSourceOptions),
  );
  return new DataSource({ ...options, migrationsRun: false }).initialize();
}

/**
 * All pending migrations in one transaction that first takes a transaction-level advisory lock:
 * unlike a session lock, it holds through a transaction pooler. An instance that waited for the
 * lock then finds the migrations applied and has nothing to do.
 */
async function migrate(unopened: DataSource): Promise<void> {
  const dataSource = await unopened.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    await executor.executePendingMigrations();
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

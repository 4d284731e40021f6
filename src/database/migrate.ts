import { DataSource, DataSourceOptions } from 'typeorm';

// Any constant will do, as long as nothing else in the database uses it.
const MIGRATION_LOCK = 7_291_100;

/**
 * Opens the data source and applies pending migrations under a PostgreSQL advisory lock, so
 * that instances starting together (or the CLI beside the app) never run them twice at once.
 * For `TypeOrmModule.forRootAsync({ dataSourceFactory })`.
 */
export async function openMigratedDataSource(options?: DataSourceOptions): Promise<DataSource> {
  if (!options) throw new Error('No data source options');
  // Migrations (and waiting for another instance's) may outlast the request timeouts: their own
  // connection, without them.
  const extra = { ...(options.extra as Record<string, unknown>) };
  delete extra.statement_timeout;
  delete extra.query_timeout;
  await migrate(new DataSource({ ...options, extra, migrationsRun: false }));
  return new DataSource({ ...options, migrationsRun: false }).initialize();
}

async function migrate(unopened: DataSource): Promise<void> {
  const dataSource = await unopened.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

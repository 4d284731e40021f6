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
  const dataSource = await new DataSource({ ...options, migrationsRun: false }).initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    await runner.release();
    await dataSource.destroy();
    throw error;
  }
  await runner.release();
  return dataSource;
}

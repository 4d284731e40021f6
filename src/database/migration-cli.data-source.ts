import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';

/**
 * For the TypeORM CLI only (`npm run migration:*`), which wants a module whose default export
 * is a DataSource; needs DATABASE_URL. Nothing else imports this file, so no other module
 * reads the environment when it is imported.
 */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? ''));

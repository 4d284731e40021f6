import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { InitialSchema1795291100000 } from '../../migrations/1795291100000-InitialSchema.js';
import { CreateTemplates1795291200000 } from '../../migrations/1795291200000-CreateTemplates.js';
import { RevocationNotifications1795291300000 } from '../../migrations/1795291300000-RevocationNotifications.js';
import { RetiredRefreshToken } from '../auth/retired-refresh-token.entity.js';
import { RevokedAccessToken } from '../auth/revoked-access-token.entity.js';
import { Session } from '../auth/session.entity.js';
import { Template } from '../templates/template.entity.js';
import { User } from '../users/user.entity.js';

// Listed as classes: ESM has no __dirname for glob paths.
export const ENTITIES = [User, Session, RetiredRefreshToken, RevokedAccessToken, Template];
export const MIGRATIONS = [
  InitialSchema1795291100000,
  CreateTemplates1795291200000,
  RevocationNotifications1795291300000,
];

/** The one set of TypeORM options, shared by the app, the CLI and the migration commands. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Fail fast when PostgreSQL is away, instead of queueing requests until a client hangs up.
    connectTimeoutMS: 2000,
    extra: {
      max: 10,
      idleTimeoutMillis: 30000,
      query_timeout: 10000,
      keepAlive: true,
    },
  };
}

/** For the TypeORM CLI (`npm run migration:*`); needs DATABASE_URL. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? ''));

import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configModuleFor } from '../config/environment-config.js';
import type { Environment } from '../config/environment.js';
import { dataSourceOptions } from '../database/data-source.js';
import { openMigratedDataSource } from '../database/migrate.js';
import { SigningKeysModule } from '../signing-keys/signing-keys.module.js';
import { UsersModule } from '../users/users.module.js';

/** Just enough of the app for admin commands: configuration, the database, users and keys. */
@Module({})
export class CliModule {
  /** From the environment the command validated (`cliEnvironment`), with its DATABASE_URL. */
  static forRoot(env: Environment & { DATABASE_URL: string }): DynamicModule {
    return {
      module: CliModule,
      imports: [
        configModuleFor(env),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(env.DATABASE_URL),
            // A command fails at once rather than retrying for half a minute.
            retryAttempts: 0,
          }),
          // A first run on an empty database creates the schema, as the app would.
          dataSourceFactory: (options) => openMigratedDataSource(options, env.DATABASE_DIRECT_URL),
        }),
        UsersModule,
        SigningKeysModule,
      ],
    };
  }
}

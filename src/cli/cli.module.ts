import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Environment } from '../config/environment.js';
import { dataSourceOptions } from '../database/data-source.js';
import { openMigratedDataSource } from '../database/migrate.js';
import { UsersModule } from '../users/users.module.js';
import { cliEnvironment } from './cli-environment.js';

/** Just enough of the app for admin commands: configuration, the database and UsersService. */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, validate: cliEnvironment }),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => ({
            ...dataSourceOptions(config.get('DATABASE_URL', { infer: true }) ?? ''),
            // A command fails at once rather than retrying for half a minute.
            retryAttempts: 0,
          }),
          // A first run on an empty database creates the schema, as the app would.
          dataSourceFactory: openMigratedDataSource,
        }),
        UsersModule,
      ],
    };
  }
}

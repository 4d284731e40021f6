import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module.js';
import { RolesGuard } from './auth/roles.guard.js';
import { BearerModule } from './bearer/bearer.module.js';
import { JwtAuthGuard } from './bearer/jwt-auth.guard.js';
import { DatabasePool, DatabasePoolModule } from './common/database/database-pool.js';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter.js';
import { AppValidationPipe } from './common/http/validation.pipe.js';
import type { Environment } from './config/environment.js';
import { configModuleFor } from './config/environment-config.js';
import { dataSourceOptions } from './database/data-source.js';
import { openMigratedDataSource } from './database/migrate.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SecurityEventsApiModule } from './security-events/security-events.module.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { SigningKeysApiModule } from './signing-keys/signing-keys.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { StartupAdminService } from './users/startup-admin.service.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  /**
   * Built when called, from the environment validated at boot: every module reads that one
   * object (through ConfigService), never `process.env`.
   */
  static forRoot(env: Environment): DynamicModule {
    const pool = new DatabasePool();
    return {
      module: AppModule,
      imports: [
        configModuleFor(env),
        DatabasePoolModule.forRoot(pool),
        TypeOrmModule.forRootAsync({
          useFactory: () => {
            if (!env.DATABASE_URL)
              throw new Error('DATABASE_URL is not set and no embedded database was started');
            return {
              ...dataSourceOptions(env.DATABASE_URL, env.DATABASE_TIMEOUT * 1000, pool),
              retryAttempts: 5,
              retryDelay: 1000,
            };
          },
          // Pending migrations run at start, under a lock shared with other instances.
          dataSourceFactory: (options) => openMigratedDataSource(options, env.DATABASE_DIRECT_URL),
        }),
        ScheduleModule.forRoot(),
        RateLimitModule,
        UsersModule,
        BearerModule,
        AuthModule,
        HealthModule,
        TemplatesModule,
        MetricsModule,
        SecurityEventsApiModule,
        SigningKeysApiModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
        // Every global guard is registered here, in the order they run: Nest applies those of
        // one module in the order given, but across modules in the order it scans them. The
        // roles guard reads the user the JWT guard authenticated; the rate-limit guard names
        // that caller in its events and counts only requests both let through.
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        // Here rather than in UsersModule: the CLI reuses UsersModule and must not run it.
        StartupAdminService,
      ],
    };
  }
}

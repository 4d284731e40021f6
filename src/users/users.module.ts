import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationModule } from '../revocation/revocation.module.js';
import type { Environment } from '../config/environment.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { PasswordPool } from './password.pool.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';
import { Transactions } from '../common/database/transactions.js';

@Module({
  imports: [TypeOrmModule.forFeature([User]), RevocationModule, SecurityEventsModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersRepository,
    Transactions,
    PasswordService,
    {
      provide: PasswordPool,
      // MetricsService is absent in the CLI, which serves no metrics.
      inject: [ConfigService, { token: MetricsService, optional: true }],
      useFactory: (config: ConfigService<Environment, true>, metrics?: MetricsService) => {
        const pool = new PasswordPool({
          threads: config.get('PASSWORD_WORKERS', { infer: true }),
          maxQueue: config.get('PASSWORD_QUEUE_LIMIT', { infer: true }),
          niceIncrement: config.get('PASSWORD_WORKER_NICE', { infer: true }),
        });
        metrics?.gauge(
          'password_pool_queued',
          'Password hashing tasks waiting for a thread',
          () => pool.stats().queued,
        );
        metrics?.gauge(
          'password_pool_running',
          'Password hashing tasks running',
          () => pool.stats().running,
        );
        return pool;
      },
    },
  ],
  exports: [UsersService, UsersRepository, PasswordService, PasswordPool],
})
export class UsersModule {}

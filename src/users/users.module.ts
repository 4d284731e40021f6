import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationModule } from '../auth/revocation.module.js';
import type { Environment } from '../config/environment.js';
import { PasswordPool } from './password.pool.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User]), RevocationModule, SecurityEventsModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    PasswordService,
    {
      provide: PasswordPool,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        new PasswordPool({
          threads: config.get('PASSWORD_WORKERS', { infer: true }),
          maxQueue: config.get('PASSWORD_QUEUE_LIMIT', { infer: true }),
          niceIncrement: config.get('PASSWORD_WORKER_NICE', { infer: true }),
        }),
    },
  ],
  // PasswordPool for its stats(), to whoever reports metrics.
  exports: [UsersService, PasswordService, PasswordPool],
})
export class UsersModule {}

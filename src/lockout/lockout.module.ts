import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../common/database/transactions.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { LoginLockout } from './login-lockout.entity.js';
import { LoginLockoutService } from './login-lockout.service.js';
import { LoginLockoutsRepository } from './login-lockouts.repository.js';

/** Failed logins in a row per login name, and the lockouts they lead to. */
@Module({
  imports: [TypeOrmModule.forFeature([LoginLockout]), SecurityEventsModule],
  providers: [LoginLockoutService, LoginLockoutsRepository, Transactions],
  exports: [LoginLockoutService],
})
export class LockoutModule {}

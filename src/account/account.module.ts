import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationModule } from '../revocation/revocation.module.js';
import { LockoutModule } from '../lockout/lockout.module.js';
import { MailModule } from '../mail/mail.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountPagesController } from './pages/account-pages.controller.js';
import { AccountService } from './account.service.js';
import { ActionToken } from './action-token.entity.js';
import { ActionTokensRepository } from './action-tokens.repository.js';
import { ActionTokensService } from './action-tokens.service.js';
import { Transactions } from '../common/database/transactions.js';

/** Account recovery and email verification: mailed one-use links. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ActionToken]),
    LockoutModule,
    MailModule,
    RateLimitModule,
    RevocationModule,
    SecurityEventsModule,
    UsersModule,
  ],
  controllers: [AccountController, AccountPagesController],
  providers: [AccountService, ActionTokensService, ActionTokensRepository, Transactions],
  exports: [AccountService],
})
export class AccountModule {}

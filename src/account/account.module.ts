import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationModule } from '../revocation/revocation.module.js';
import { MailModule } from '../mail/mail.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { User } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { ActionToken } from './action-token.entity.js';
import { ActionTokensService } from './action-tokens.service.js';

/** Account recovery and email verification: mailed one-use links. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ActionToken, User]),
    MailModule,
    RateLimitModule,
    RevocationModule,
    SecurityEventsModule,
    UsersModule,
  ],
  controllers: [AccountController],
  providers: [AccountService, ActionTokensService],
  exports: [AccountService],
})
export class AccountModule {}

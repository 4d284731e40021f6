import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../common/database/transactions.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { RetiredRefreshToken } from './retired-refresh-token.entity.js';
import { RevocationLogEntry } from './revocation-log-entry.entity.js';
import { RevocationLogRepository } from './revocation-log.repository.js';
import { RevocationWrites } from './revocation-writes.js';
import { RevocationService } from './revocation.service.js';
import { RevokedAccessToken } from './revoked-access-token.entity.js';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository.js';
import { Session } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * Sessions, the access-token blocklist and every way they end, on their own so that users,
 * account and auth can all revoke without importing one another. RevocationWrites is one per
 * app: every write the bearer check reads marks it, and the bearer check listens.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      Session,
      RetiredRefreshToken,
      RevokedAccessToken,
      RevocationLogEntry,
    ]),
    SecurityEventsModule,
  ],
  providers: [
    RevocationService,
    SessionsRepository,
    RevokedAccessTokensRepository,
    RevocationLogRepository,
    RevocationWrites,
    Transactions,
  ],
  exports: [RevocationService, SessionsRepository, RevocationWrites],
})
export class RevocationModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { RevocationService } from './revocation.service.js';
import { RevokedAccessToken } from './revoked-access-token.entity.js';
import { Session } from './session.entity.js';

/**
 * Revocation on its own, so that UsersModule can revoke a user's sessions (role change,
 * deactivation) without importing AuthModule, which imports UsersModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Session, RevokedAccessToken]), SecurityEventsModule],
  exports: [RevocationService],
  providers: [RevocationService],
})
export class RevocationModule {}

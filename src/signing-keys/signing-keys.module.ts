import { Module } from '@nestjs/common';
import { Transactions } from '../common/database/transactions.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { KeyRing } from './key-ring.service.js';
import { KeyRotationSchedule } from './key-rotation.schedule.js';
import { SigningKeysController } from './signing-keys.controller.js';
import { SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

/**
 * The signing keys in the database and this instance's copy of them (KeyRing), without routes:
 * the bearer check and token issuing read the ring, the CLI uses the service.
 */
@Module({
  imports: [SecurityEventsModule],
  providers: [KeyRing, SigningKeysRepository, SigningKeysService, Transactions],
  exports: [KeyRing, SigningKeysService],
})
export class SigningKeysModule {}

/** The admin routes and the automatic rotation, for the HTTP app. */
@Module({
  imports: [SigningKeysModule],
  controllers: [SigningKeysController],
  providers: [KeyRotationSchedule],
})
export class SigningKeysApiModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../common/database/transactions.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { Passkey } from './passkey.entity.js';
import { PasskeyAssertionsService } from './passkey-assertions.service.js';
import { PasskeySecondFactor } from './passkey-second-factor.js';
import { PasskeysController } from './passkeys.controller.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { PasskeysService } from './passkeys.service.js';
import { RelyingParty } from './relying-party.js';
import { WebAuthnChallenge } from './webauthn-challenge.entity.js';
import { WebAuthnChallengesRepository } from './webauthn-challenges.repository.js';
import { WebAuthnChallengesService } from './webauthn-challenges.service.js';

/**
 * Passkeys (WebAuthn): a user's registered credentials, and the verification of an assertion
 * (`PasskeyAssertionsService`) that the login routes in AuthModule build on.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Passkey, WebAuthnChallenge]), SecurityEventsModule],
  controllers: [PasskeysController],
  providers: [
    PasskeysService,
    PasskeyAssertionsService,
    PasskeySecondFactor,
    PasskeysRepository,
    WebAuthnChallengesRepository,
    WebAuthnChallengesService,
    RelyingParty,
    Transactions,
  ],
  exports: [PasskeysService, PasskeyAssertionsService, PasskeySecondFactor],
})
export class PasskeysModule {}

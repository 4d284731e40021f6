import { Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import type { Passkey } from './passkey.entity.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { encodedUserHandleOf, readPresentedCredential } from './presented-credential.js';
import { CHALLENGE_TTL_SECONDS, RelyingParty } from './relying-party.js';
import { ChallengePurpose } from './webauthn-challenge.entity.js';
import { WebAuthnChallengesService } from './webauthn-challenges.service.js';

/** A passkey assertion that verified, and was counted. */
export interface VerifiedAssertion {
  userId: string;
  passkeyId: string;
  /** The authenticator verified the user (PIN, biometrics): the passkey alone is two factors. */
  userVerified: boolean;
}

/**
 * Why an assertion was refused, for the security trail (the client is told only that it was).
 * `challenge`: unknown, used, expired, or issued for another user; `credential`: no such
 * passkey (deleted, or never registered here); `user`: the passkey is not the expected user's;
 * `verification`: the signature, origin, RP ID or counter did not check out; `counter`: another
 * assertion with this counter was counted first.
 */
type FailureReason = 'malformed' | 'challenge' | 'credential' | 'user' | 'verification' | 'counter';

/**
 * Passkey sign-in, as any login step needs it: request options with a stored challenge, and the
 * verification of the browser's answer. Used by the passwordless login, and meant for the second
 * factor of a password login: both pass the user the assertion must belong to (none for a
 * passwordless login, which takes any discoverable credential).
 */
@Injectable()
export class PasskeyAssertionsService {
  constructor(
    private readonly passkeys: PasskeysRepository,
    private readonly challenges: WebAuthnChallengesService,
    private readonly relyingParty: RelyingParty,
    private readonly events: SecurityEventsService,
    private readonly transactions: Transactions,
  ) {}

  /**
   * Request options for `navigator.credentials.get`. Without a user, the browser offers every
   * passkey it holds for this site (discoverable credentials); with one, only theirs.
   */
  async options(userId: string | null = null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowCredentials = userId
      ? (await this.passkeys.findForUser(userId)).map(descriptorOf)
      : undefined;
    const challenge = await this.challenges.issue(ChallengePurpose.Authentication, userId);
    return generateAuthenticationOptions({
      rpID: this.relyingParty.id,
      challenge: Buffer.from(challenge, 'base64url'),
      allowCredentials,
      userVerification: 'preferred',
      timeout: CHALLENGE_TTL_SECONDS * 1000,
    });
  }

  /**
   * Verifies an assertion against a challenge from `options(expectedUserId)`, which it uses up
   * whatever the outcome, and stores the signature counter it reports: a counter that does not
   * go forward (a cloned authenticator, a replay) is refused. Throws `passkey-invalid`.
   */
  async verify(
    credential: unknown,
    client: ClientInfo,
    expectedUserId: string | null = null,
  ): Promise<VerifiedAssertion> {
    const presented = readPresentedCredential(credential);
    if (!presented) return this.refuse('malformed', null, client);
    const challenge = await this.challenges.take(
      presented.challenge,
      ChallengePurpose.Authentication,
    );
    // Looked up whatever became of the challenge, so the owner's trail shows a refused use.
    const passkey = await this.passkeys.findByCredentialId(presented.id);
    if (!challenge || challenge.userId !== expectedUserId) {
      return this.refuse('challenge', passkey?.userId ?? expectedUserId, client);
    }
    if (!passkey) return this.refuse('credential', expectedUserId, client);
    const handleMatches = presented.userHandle === encodedUserHandleOf(passkey.userId);
    // A discoverable credential names its user; with an expected user, the handle is optional.
    if (
      (expectedUserId !== null && passkey.userId !== expectedUserId) ||
      (presented.userHandle !== undefined && !handleMatches) ||
      (expectedUserId === null && !handleMatches)
    ) {
      return this.refuse('user', passkey.userId, client);
    }

    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response: credential as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
        expectedChallenge: presented.challenge,
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.id,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification: false,
      });
    } catch (error) {
      return this.refuse('verification', passkey.userId, client, error);
    }
    if (!verified.verified) return this.refuse('verification', passkey.userId, client);

    const { newCounter, credentialBackedUp, userVerified } = verified.authenticationInfo;
    const counted = await this.transactions.run(async (tx) => {
      const use = { counter: newCounter, backedUp: credentialBackedUp, at: new Date() };
      if (!(await this.passkeys.recordUse(passkey.id, use, tx))) return false;
      await this.events.record(passkeyUsed(passkey, userVerified), client, tx);
      return true;
    });
    if (!counted) return this.refuse('counter', passkey.userId, client);
    return { userId: passkey.userId, passkeyId: passkey.id, userVerified };
  }

  /**
   * Whether the passkey an assertion verified is still registered, as `tx` sees it: a login
   * starting its session under the user's hold asks, so that one the passkey's removal (by its
   * user, or an admin's MFA reset, which holds the user too) overtook opens none.
   */
  stillRegistered(assertion: VerifiedAssertion, tx: Transaction): Promise<boolean> {
    return this.passkeys.exists(assertion.passkeyId, tx);
  }

  private refuse(
    reason: FailureReason,
    userId: string | null,
    client: ClientInfo,
    error?: unknown,
  ): never {
    const details: Record<string, string> = { reason };
    if (error instanceof Error) details.error = error.message.slice(0, 200);
    this.events.recordDetached(
      { type: SecurityEventType.PasskeyFailed, userId, actorId: null, sessionId: null, details },
      client,
    );
    throw new AppException(Problem.PasskeyInvalid, 'The passkey could not be verified.');
  }
}

/** How options name a credential for the browser. */
export function descriptorOf(passkey: Pick<Passkey, 'credentialId' | 'transports'>) {
  return { id: passkey.credentialId, transports: passkey.transports };
}

const passkeyUsed = (passkey: Passkey, userVerified: boolean) => ({
  type: SecurityEventType.PasskeyUsed,
  userId: passkey.userId,
  actorId: passkey.userId,
  sessionId: null,
  details: { passkeyId: passkey.id, userVerified },
});

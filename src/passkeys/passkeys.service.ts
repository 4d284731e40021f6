import { Injectable } from '@nestjs/common';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { Transactions } from '../common/database/transactions.js';
import { foreignKeyViolation, uniqueViolation } from '../common/database/database-errors.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import type { AuthenticatedUser, Principal } from '../common/principal/principal.js';
import { madeBy, SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { PasskeyDto } from './dto/passkey.dto.js';
import type { RegisterPasskeyDto } from './dto/register-passkey.dto.js';
import { descriptorOf } from './passkey-assertions.service.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { readPresentedCredential, userHandleOf } from './presented-credential.js';
import { CHALLENGE_TTL_SECONDS, RelyingParty } from './relying-party.js';
import { ChallengePurpose } from './webauthn-challenge.entity.js';
import { WebAuthnChallengesService } from './webauthn-challenges.service.js';

const DEFAULT_NAME = 'Passkey';
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

const invalid = () =>
  new AppException(Problem.PasskeyInvalid, 'The passkey could not be verified.');

/** A user's passkeys: registration (options, then the browser's answer), list and removal. */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly passkeys: PasskeysRepository,
    private readonly challenges: WebAuthnChallengesService,
    private readonly relyingParty: RelyingParty,
    private readonly events: SecurityEventsService,
    private readonly transactions: Transactions,
  ) {}

  /** Creation options for the caller, excluding the authenticators they registered already. */
  async registrationOptions(user: Principal): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.passkeys.findForUser(user.id);
    const challenge = await this.challenges.issue(ChallengePurpose.Registration, user.id);
    return generateRegistrationOptions({
      rpName: this.relyingParty.name,
      rpID: this.relyingParty.id,
      userName: user.username,
      userDisplayName: user.name ?? user.username,
      userID: userHandleOf(user.id),
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      attestationType: 'none',
      excludeCredentials: existing.map(descriptorOf),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
  }

  /**
   * Verifies the browser's answer to the caller's creation options (the challenge is used up
   * whatever the outcome) and stores the credential. Throws `passkey-invalid`, or `conflict`
   * when the credential is registered already.
   */
  async register(
    caller: AuthenticatedUser,
    dto: RegisterPasskeyDto,
    client: ClientInfo,
  ): Promise<PasskeyDto> {
    const presented = readPresentedCredential(dto.response);
    if (!presented) throw invalid();
    const challenge = await this.challenges.take(
      presented.challenge,
      ChallengePurpose.Registration,
    );
    if (challenge?.userId !== caller.user.id) throw invalid();

    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: dto.response as unknown as Parameters<
          typeof verifyRegistrationResponse
        >[0]['response'],
        expectedChallenge: presented.challenge,
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.id,
        requireUserVerification: false,
      });
    } catch {
      throw invalid();
    }
    if (!verified.verified) throw invalid();

    const { credential, credentialDeviceType, credentialBackedUp, aaguid } =
      verified.registrationInfo;
    try {
      const saved = await this.transactions.run(async (tx) => {
        const passkey = await this.passkeys.insert(
          {
            userId: caller.user.id,
            credentialId: credential.id,
            publicKey: Buffer.from(credential.publicKey),
            counter: credential.counter,
            transports: (credential.transports ?? []).filter((t) => TRANSPORTS.has(t)),
            deviceType: credentialDeviceType,
            backedUp: credentialBackedUp,
            aaguid,
            name: dto.name ?? DEFAULT_NAME,
          },
          tx,
        );
        await this.events.record(
          {
            type: SecurityEventType.PasskeyRegistered,
            userId: caller.user.id,
            ...madeBy(caller),
            details: { passkeyId: passkey.id, name: passkey.name, backedUp: credentialBackedUp },
          },
          client,
          tx,
        );
        return passkey;
      });
      return PasskeyDto.from(saved);
    } catch (error) {
      if (uniqueViolation(error) !== undefined) {
        throw AppException.conflict('response', 'This passkey is registered already.');
      }
      if (foreignKeyViolation(error)) throw invalid();
      throw error;
    }
  }

  /** The user's passkeys, newest first. */
  async list(userId: string): Promise<PasskeyDto[]> {
    return (await this.passkeys.findForUser(userId)).map((passkey) => PasskeyDto.from(passkey));
  }

  /** How many passkeys the user has (a login offers the passkey factor when it is not 0). */
  count(userId: string): Promise<number> {
    return this.passkeys.countForUser(userId);
  }

  /** Removes one of the caller's passkeys; 404 when they have no such passkey. */
  async remove(caller: AuthenticatedUser, id: string, client: ClientInfo): Promise<void> {
    const removed = await this.transactions.run(async (tx) => {
      const found = await this.passkeys.delete(caller.user.id, id, tx);
      if (found) {
        await this.events.record(
          {
            type: SecurityEventType.PasskeyDeleted,
            userId: caller.user.id,
            ...madeBy(caller),
            details: { passkeyId: id },
          },
          client,
          tx,
        );
      }
      return found;
    });
    if (!removed) throw AppException.notFound('Passkey');
  }
}

import { beforeEach, describe, expect, it } from '@jest/globals';
import { automock, type StrictMock } from '../../test/support/strict-mock.js';
import { Transactions } from '../common/database/transactions.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import type { Passkey } from './passkey.entity.js';
import { PasskeyAssertionsService } from './passkey-assertions.service.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { encodedUserHandleOf } from './presented-credential.js';
import { ChallengePurpose } from './webauthn-challenge.entity.js';
import { WebAuthnChallengesService } from './webauthn-challenges.service.js';

const client: ClientInfo = { ip: '127.0.0.1', userAgent: 'jest', requestId: 'r1' };
const OWNER = '6f1c2f7e-8f0e-4a57-9d55-3b8c9f1e2a10';
const CHALLENGE = 'q1bN0d2b9m4kT8yV3zW7xA5cE6fG0hJ1kL2mN3oP4qR';

/** A browser's assertion, as far as the service reads it before the verifier. */
function assertion({ userHandle = encodedUserHandleOf(OWNER) }: { userHandle?: string } = {}) {
  const clientData = { type: 'webauthn.get', challenge: CHALLENGE, origin: 'http://localhost' };
  return {
    id: 'credential-1',
    rawId: 'credential-1',
    type: 'public-key',
    response: {
      clientDataJSON: Buffer.from(JSON.stringify(clientData)).toString('base64url'),
      authenticatorData: 'AAAA',
      signature: 'AAAA',
      userHandle,
    },
    clientExtensionResults: {},
  };
}

const passkey = { id: 'p1', userId: OWNER, credentialId: 'credential-1' } as Passkey;

describe(PasskeyAssertionsService.name, () => {
  let sut: PasskeyAssertionsService;
  let passkeys: StrictMock<PasskeysRepository>;
  let challenges: StrictMock<WebAuthnChallengesService>;
  let events: StrictMock<SecurityEventsService>;

  beforeEach(() => {
    passkeys = automock(PasskeysRepository);
    challenges = automock(WebAuthnChallengesService);
    events = automock(SecurityEventsService);
    events.recordDetached.mockReturnValue(undefined);
    const relyingParty = { id: 'localhost', name: 'test', origins: ['http://localhost'] };
    sut = new PasskeyAssertionsService(
      passkeys,
      challenges,
      relyingParty,
      events,
      automock(Transactions),
    );
  });

  const refusedFor = (reason: string, userId: string | null) => {
    expect(events.recordDetached).toHaveBeenCalledWith(
      expect.objectContaining({
        type: SecurityEventType.PasskeyFailed,
        userId,
        details: expect.objectContaining({ reason }),
      }),
      client,
    );
  };

  it.each([
    ['not an object', 'nope'],
    ['no id', { response: {} }],
    ['clientDataJSON that is not JSON', { id: 'a', response: { clientDataJSON: 'bm90IGpzb24' } }],
    ['no challenge', { id: 'a', response: { clientDataJSON: 'e30' } }],
  ])('refuses a credential with %s, touching nothing', async (_, credential) => {
    await expect(sut.verify(credential, client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('malformed', null);
  });

  it("spends the challenge it names, and refuses an unknown one on the owner's trail", async () => {
    challenges.take.mockResolvedValueOnce(undefined);
    passkeys.findByCredentialId.mockResolvedValueOnce(passkey);

    await expect(sut.verify(assertion(), client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    expect(challenges.take).toHaveBeenCalledWith(CHALLENGE, ChallengePurpose.Authentication);
    refusedFor('challenge', OWNER);
  });

  it("refuses a challenge issued for one user's second factor in a passwordless login", async () => {
    challenges.take.mockResolvedValueOnce({ userId: OWNER });
    passkeys.findByCredentialId.mockResolvedValueOnce(passkey);

    await expect(sut.verify(assertion(), client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('challenge', OWNER);
  });

  it('refuses a credential that is not registered (or was deleted)', async () => {
    challenges.take.mockResolvedValueOnce({ userId: null });
    passkeys.findByCredentialId.mockResolvedValueOnce(null);

    await expect(sut.verify(assertion(), client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('credential', null);
  });

  it.each([
    ['names another user', encodedUserHandleOf('someone-else')],
    ['is missing from a passwordless login', undefined],
  ])('refuses a user handle that %s', async (_, userHandle) => {
    challenges.take.mockResolvedValueOnce({ userId: null });
    passkeys.findByCredentialId.mockResolvedValueOnce(passkey);
    const credential = assertion();
    credential.response.userHandle = userHandle as string;

    await expect(sut.verify(credential, client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('user', OWNER);
  });

  it("refuses another user's passkey as the second factor of a login", async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    challenges.take.mockResolvedValueOnce({ userId: other });
    passkeys.findByCredentialId.mockResolvedValueOnce(passkey);

    await expect(sut.verify(assertion(), client, other)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('user', OWNER);
  });

  it('hands a bad signature to the verifier, which refuses it', async () => {
    challenges.take.mockResolvedValueOnce({ userId: null });
    passkeys.findByCredentialId.mockResolvedValueOnce({
      ...passkey,
      publicKey: Buffer.from('not a COSE key'),
      counter: 0,
      transports: [],
    });

    await expect(sut.verify(assertion(), client)).rejects.toMatchObject({
      problem: Problem.PasskeyInvalid,
    });
    refusedFor('verification', OWNER);
  });
});

import { Injectable } from '@nestjs/common';
import type { Transaction } from '../common/database/transactions.js';
import { PasskeysRepository } from './passkeys.repository.js';

/**
 * Passkeys as a second factor of a password login, in the shape of MFA's `SecondFactorMethod`
 * (which AuthModule registers it as: this folder sits below `mfa` and does not import it). A user
 * with a passkey is offered `passkey` in `methods` of `mfa-required`, and an admin's MFA reset
 * removes their passkeys.
 */
@Injectable()
export class PasskeySecondFactor {
  readonly name = 'passkey';

  constructor(private readonly passkeys: PasskeysRepository) {}

  count(userId: string): Promise<number> {
    return this.passkeys.countForUser(userId);
  }

  removeAll(userId: string, tx: Transaction): Promise<void> {
    return this.passkeys.deleteAllForUser(userId, tx);
  }
}

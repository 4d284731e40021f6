import { Injectable } from '@nestjs/common';
import type { Transaction } from '../common/database/transactions.js';

/**
 * A second factor besides TOTP and recovery codes (a passkey), as MFA needs to know it: whether
 * a user has one, to list it in `methods` of `mfa-required`, and how to remove a user's when an
 * admin resets their factors. Its own route verifies it and then redeems the login's `mfaToken`
 * with `MfaService.redeemChallenge`.
 */
export interface SecondFactorMethod {
  /** As listed in `methods`, e.g. `passkey`. */
  readonly name: string;
  /** How many the user has registered (0: the method is not offered). */
  count(userId: string): Promise<number>;
  /** Removes every credential of the user, in the admin reset's transaction. */
  removeAll(userId: string, tx: Transaction): Promise<void>;
}

/** The extra second-factor methods; a module providing one registers it when it starts. */
@Injectable()
export class SecondFactors {
  private readonly methods = new Map<string, SecondFactorMethod>();

  register(method: SecondFactorMethod): void {
    this.methods.set(method.name, method);
  }

  get registered(): readonly SecondFactorMethod[] {
    return [...this.methods.values()];
  }

  /** The names of the extra methods the user has at least one credential of. */
  async availableFor(userId: string): Promise<string[]> {
    const counts = await Promise.all(this.registered.map((method) => method.count(userId)));
    return this.registered.filter((_, index) => counts[index] > 0).map((method) => method.name);
  }

  async count(name: string, userId: string): Promise<number> {
    return (await this.methods.get(name)?.count(userId)) ?? 0;
  }

  async removeAll(userId: string, tx: Transaction): Promise<void> {
    for (const method of this.registered) await method.removeAll(userId, tx);
  }
}

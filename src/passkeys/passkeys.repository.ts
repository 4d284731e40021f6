import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { Passkey } from './passkey.entity.js';

export type NewPasskey = Omit<Passkey, 'id' | 'createdAt' | 'lastUsedAt'>;

/** What an assertion changes on its credential. */
export interface PasskeyUse {
  counter: number;
  backedUp: boolean;
  at: Date;
}

@Injectable()
export class PasskeysRepository {
  constructor(@InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>) {}

  /** Fails on the unique credential id, or on the foreign key when the user is gone. */
  async insert(passkey: NewPasskey, tx?: Transaction): Promise<Passkey> {
    const repository = within(this.passkeys, tx);
    return repository.save(repository.create(passkey));
  }

  findByCredentialId(credentialId: string): Promise<Passkey | null> {
    return this.passkeys.findOneBy({ credentialId });
  }

  /** The user's passkeys, newest first. */
  findForUser(userId: string): Promise<Passkey[]> {
    return this.passkeys.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  countForUser(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  /** Deletes one passkey of the user; false when the user has no such passkey. */
  async delete(userId: string, id: string, tx?: Transaction): Promise<boolean> {
    const { affected } = await within(this.passkeys, tx).delete({ id, userId });
    return (affected ?? 0) > 0;
  }

  /** Whether the passkey is still registered, as `tx` sees it. */
  exists(id: string, tx: Transaction): Promise<boolean> {
    return within(this.passkeys, tx).existsBy({ id });
  }

  /** Deletes every passkey of the user (an admin's MFA reset). */
  async deleteAllForUser(userId: string, tx: Transaction): Promise<void> {
    await within(this.passkeys, tx).delete({ userId });
  }

  /**
   * Stores the counter an assertion reported, only if it went forward (or both are 0: an
   * authenticator without a counter). One conditional UPDATE, so of two assertions reporting the
   * same counter (a cloned authenticator, a replay racing across instances) one wins.
   */
  async recordUse(id: string, use: PasskeyUse, tx?: Transaction): Promise<boolean> {
    const result = await within(this.passkeys, tx)
      .createQueryBuilder()
      .update(Passkey)
      .set({ counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at })
      .where('id = :id AND (counter < :counter OR (counter = 0 AND :counter = 0))', {
        id,
        counter: use.counter,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

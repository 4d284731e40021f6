import { Injectable } from '@nestjs/common';
import { afterCommit, type Transaction } from '../common/database/transactions.js';

/**
 * Tells this instance's bearer check that a write it reads (a revocation, or a users row) has
 * just committed here, before the answer that made it goes out: the next request must not be
 * answered from a memory that may not hold it yet. Only such writes mark; a failed login or an
 * introspection writes nothing the bearer check reads and slows nobody.
 */
@Injectable()
export class RevocationWrites {
  private readonly listeners: (() => void)[] = [];

  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** After the write's commit: at once without `tx` (the statement committed on its own). */
  written(tx?: Transaction): void {
    afterCommit(tx, () => {
      for (const listener of this.listeners) listener();
    });
  }
}

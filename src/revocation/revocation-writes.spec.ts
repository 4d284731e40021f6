import { describe, expect, it, jest } from '@jest/globals';
import type { DataSource, Repository } from 'typeorm';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { RevocationWrites } from './revocation-writes.js';
import type { RetiredRefreshToken } from './retired-refresh-token.entity.js';
import type { Session } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';

/** A sessions table whose UPDATE reports `affected` rows, inside transactions that commit or not. */
function setUp(affected: number) {
  const marks: string[] = [];
  const table = {
    update: jest.fn(() => {
      marks.push('update');
      return Promise.resolve({ affected });
    }),
    target: 'sessions',
  } as unknown as Repository<Session>;
  const manager = { getRepository: () => table };
  const dataSource = {
    transaction: <T>(work: (m: unknown) => Promise<T>) => work(manager),
  } as unknown as DataSource;
  const writes = new RevocationWrites();
  writes.subscribe(() => marks.push('written'));
  const sut = new SessionsRepository(table, {} as Repository<RetiredRefreshToken>, writes);
  return { sut, marks, transactions: new Transactions(dataSource) };
}

describe(RevocationWrites.name, () => {
  it('marks a revocation once its transaction has committed, not when the statement runs', async () => {
    const { sut, marks, transactions } = setUp(1);
    await transactions.run(async (tx: Transaction) => {
      await sut.revoke('user-1', 'session-1', new Date(), tx);
      marks.push('end of work');
    });
    expect(marks).toEqual(['update', 'end of work', 'written']);
  });

  it('marks nothing for a transaction that rolls back', async () => {
    const { sut, marks, transactions } = setUp(1);
    await expect(
      transactions.run(async (tx: Transaction) => {
        await sut.revokeAll('user-1', new Date(), undefined, tx);
        throw new Error('the event could not be written');
      }),
    ).rejects.toThrow('the event could not be written');
    expect(marks).toEqual(['update']);
  });

  it('marks nothing when nothing was revoked', async () => {
    const { sut, marks } = setUp(0);
    await sut.revoke('user-1', 'someone-elses', new Date());
    expect(marks).toEqual(['update']);
  });

  it('marks at once a revocation written outside a transaction (it committed on its own)', async () => {
    const { sut, marks } = setUp(2);
    await sut.revokeAll('user-1', new Date());
    expect(marks).toEqual(['update', 'written']);
  });
});

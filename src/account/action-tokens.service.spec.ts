import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { automock, StrictMock } from '../../test/support/strict-mock.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import type { Environment } from '../config/environment.js';
import { UsersRepository } from '../users/users.repository.js';
import { ActionTokenPurpose } from './action-token.entity.js';
import { hashActionToken } from './action-token.js';
import { ActionTokensRepository } from './action-tokens.repository.js';
import { ActionTokensService } from './action-tokens.service.js';

describe(ActionTokensService.name, () => {
  const tx = { transaction: 'the one' } as unknown as Transaction;
  let tokens: StrictMock<ActionTokensRepository>;
  let users: StrictMock<UsersRepository>;
  let sut: ActionTokensService;

  beforeEach(() => {
    tokens = automock(ActionTokensRepository);
    users = automock(UsersRepository);
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    const config = { get: () => 1800 } as unknown as ConfigService<Environment, true>;
    sut = new ActionTokensService(tokens, transactions, users, config);
  });

  describe('issue', () => {
    it('locks the user, voids their unused reset tokens, then stores the new one', async () => {
      users.lock.mockResolvedValueOnce(true);
      tokens.deleteUnused.mockResolvedValueOnce(undefined);
      tokens.insert.mockResolvedValueOnce(undefined);
      const alongside = jest.fn((_tx: Transaction) => Promise.resolve());

      const token = await sut.issue('u1', ActionTokenPurpose.PasswordReset, alongside);

      expect(users.lock).toHaveBeenCalledWith('u1', tx);
      expect(tokens.deleteUnused).toHaveBeenCalledWith('u1', ActionTokenPurpose.PasswordReset, tx);
      expect(tokens.insert).toHaveBeenCalledWith(
        expect.objectContaining({ userId: 'u1', tokenHash: hashActionToken(token!), usedAt: null }),
        tx,
      );
      expect(alongside).toHaveBeenCalledWith(tx);
      const order = [users.lock, tokens.deleteUnused, tokens.insert].map(
        (mock) => mock.mock.invocationCallOrder[0],
      );
      expect(order).toEqual([...order].sort((a, b) => a - b));
    });

    it('keeps the other verification tokens', async () => {
      users.lock.mockResolvedValueOnce(true);
      tokens.insert.mockResolvedValueOnce(undefined);

      await expect(sut.issue('u1', ActionTokenPurpose.EmailVerify)).resolves.toEqual(
        expect.any(String),
      );
      expect(tokens.deleteUnused).not.toHaveBeenCalled();
    });

    it('issues nothing for a user who is gone', async () => {
      users.lock.mockResolvedValueOnce(false);
      const alongside = jest.fn((_tx: Transaction) => Promise.resolve());

      await expect(sut.issue('u1', ActionTokenPurpose.PasswordReset, alongside)).resolves.toBe(
        null,
      );
      expect(alongside).not.toHaveBeenCalled();
    });
  });

  it('voids the unused reset tokens in the caller’s transaction', async () => {
    tokens.deleteUnused.mockResolvedValueOnce(undefined);
    await sut.voidResetTokens('u1', tx);
    expect(tokens.deleteUnused).toHaveBeenCalledWith('u1', ActionTokenPurpose.PasswordReset, tx);
  });
});

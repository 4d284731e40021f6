import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { automock } from '../../test/support/strict-mock.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { Problem } from '../common/errors/problem.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { PasswordService } from './password.service.js';
import { type AccessTokenClaims, Role } from '../common/principal/principal.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { User } from './user.entity.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

function aUser(overrides: Partial<User> = {}): User {
  return Object.assign(new User(), {
    id: randomUUID(),
    email: 'ada@example.com',
    username: 'ada_l',
    name: null,
    role: Role.User,
    isActive: true,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    updatedAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  });
}

const anAdmin = (overrides: Partial<User> = {}) => aUser({ role: Role.Admin, ...overrides });

/** A signed-in caller: the user and the session of their token. */
const callerOf = (user: User, sid = randomUUID()) => ({
  user,
  token: { sub: user.id, sid } as AccessTokenClaims,
});

const client: ClientInfo = { userAgent: 'jest', ip: '127.0.0.1', requestId: 'request-1' };
/** The admin making the changes in `update` and `remove`. */
const actingAdmin = callerOf(anAdmin());
const byAdmin = { actorId: actingAdmin.user.id, sessionId: actingAdmin.token.sid };

const uniqueViolation = (constraint: string) =>
  Object.assign(new Error('duplicate key'), { driverError: { code: '23505', constraint } });

describe(UsersService.name, () => {
  let sut: UsersService;
  let users: jest.Mocked<UsersRepository>;
  let passwords: jest.Mocked<PasswordService>;
  let revocation: jest.Mocked<RevocationService>;
  let events: jest.Mocked<SecurityEventsService>;
  /** The transaction every `Transactions.run` of a test hands out. */
  const tx = { transaction: 'the one' } as unknown as Transaction;

  beforeEach(() => {
    users = automock(UsersRepository);
    const transactions = automock(Transactions);
    transactions.run.mockImplementation(((work: (t: Transaction) => Promise<unknown>) =>
      work(tx)) as Transactions['run']);
    passwords = automock(PasswordService);
    revocation = automock(RevocationService);
    events = automock(SecurityEventsService);
    events.record.mockResolvedValue(undefined);
    sut = new UsersService(users, transactions, passwords, revocation, events);
  });

  /** The user (null: none) and the active admins, as the locking read finds them. */
  function givenLocked(user: User | null, activeAdmins: User[]) {
    const otherActiveAdmins = activeAdmins.filter((admin) => admin.id !== user?.id).length;
    users.lockWithActiveAdmins.mockResolvedValueOnce({ user, otherActiveAdmins });
  }

  const savesAsGiven = () => users.save.mockImplementationOnce((user) => Promise.resolve(user));

  describe('welcomeMessage', () => {
    it('tells an admin they have full access', () => {
      expect(sut.welcomeMessage(anAdmin({ username: 'root_1' }))).toEqual({
        message: 'Welcome, root_1! You have full access.',
        role: Role.Admin,
      });
    });

    it('tells anyone else they have limited access', () => {
      expect(sut.welcomeMessage(aUser({ username: 'ada_l' }))).toEqual({
        message: 'Welcome, ada_l! You have limited access.',
        role: Role.User,
      });
    });
  });

  describe('updateProfile', () => {
    it('needs at least one field', async () => {
      await expect(sut.updateProfile(aUser(), {})).rejects.toMatchObject({
        problem: Problem.ValidationFailed,
        options: { errors: [expect.objectContaining({ field: 'body' })] },
      });
    });

    it('writes only the given fields and answers the fresh row', async () => {
      const user = aUser();
      users.update.mockResolvedValueOnce(undefined);
      // What only the database knows after the write: a merge of the changes into `user` in
      // memory would answer the old updatedAt and name.
      const updatedAt = new Date('2026-12-01T08:30:00.000Z');
      users.findById.mockResolvedValueOnce({
        ...user,
        username: 'ada_k',
        name: 'Set meanwhile',
        updatedAt,
      });

      const result = await sut.updateProfile(user, { username: 'ada_k' });

      expect(users.update).toHaveBeenCalledWith(user.id, { username: 'ada_k' });
      expect(users.findById).toHaveBeenCalledWith(user.id);
      expect(users.findById.mock.invocationCallOrder[0]).toBeGreaterThan(
        users.update.mock.invocationCallOrder[0],
      );
      expect(result).toMatchObject({
        username: 'ada_k',
        name: 'Set meanwhile',
        updatedAt: updatedAt.toISOString(),
      });
    });

    it('clears the name with null', async () => {
      const user = aUser({ name: 'Ada' });
      users.update.mockResolvedValueOnce(undefined);
      users.findById.mockResolvedValueOnce({ ...user, name: null });

      await sut.updateProfile(user, { name: null });

      expect(users.update).toHaveBeenCalledWith(user.id, { name: null });
    });

    it('answers a taken username with a 409 naming the field', async () => {
      users.update.mockRejectedValueOnce(uniqueViolation('UQ_users_username'));
      await expect(sut.updateProfile(aUser(), { username: 'taken' })).rejects.toMatchObject({
        problem: Problem.Conflict,
        options: { errors: [expect.objectContaining({ field: 'username' })] },
      });
    });
  });

  /** The stored hash that a password confirmation reads. */
  function givenPasswordHash(user: User) {
    users.findWithPasswordHash.mockResolvedValueOnce({ ...user, passwordHash: 'hash' });
  }

  describe('changePassword', () => {
    it.each([
      ['it is wrong', false, 'hash'],
      // A reset committed between the check (outside the transaction) and the row lock.
      ['it was replaced since the check', true, 'the reset’s hash'],
    ])(
      'refuses the current password when %s, naming currentPassword, and changes nothing',
      async (_, matches, locked) => {
        const user = aUser();
        givenPasswordHash(user);
        passwords.verify.mockResolvedValueOnce(matches);
        passwords.hash.mockResolvedValue('new hash');
        users.lockPasswordHash.mockResolvedValue(locked);

        await expect(
          sut.changePassword(
            callerOf(user),
            { current: 'the old one', next: 'a brand new passphrase' },
            client,
          ),
        ).rejects.toMatchObject({
          problem: Problem.ValidationFailed,
          options: { errors: [expect.objectContaining({ field: 'currentPassword' })] },
        });
        expect(users.update).not.toHaveBeenCalled();
        expect(revocation.revokeAllSessions).not.toHaveBeenCalled();
      },
    );

    it('refuses a common new password, naming newPassword', async () => {
      const user = aUser();
      givenPasswordHash(user);
      passwords.verify.mockResolvedValueOnce(true);

      await expect(
        sut.changePassword(callerOf(user), { current: 'right one', next: 'password1' }, client),
      ).rejects.toMatchObject({
        options: { errors: [expect.objectContaining({ field: 'newPassword' })] },
      });
    });

    it('stores the new hash and ends the other sessions in one transaction', async () => {
      const user = aUser();
      const keep = randomUUID();
      givenPasswordHash(user);
      passwords.verify.mockResolvedValueOnce(true);
      passwords.hash.mockResolvedValueOnce('new hash');
      users.lockPasswordHash.mockResolvedValueOnce('hash');
      users.update.mockResolvedValueOnce(undefined);
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      await sut.changePassword(
        callerOf(user, keep),
        { current: 'right one', next: 'a brand new passphrase' },
        client,
      );

      expect(users.findWithPasswordHash).toHaveBeenCalledWith({ id: user.id });
      expect(users.update).toHaveBeenCalledWith(user.id, { passwordHash: 'new hash' }, tx);
      expect(revocation.revokeAllSessions).toHaveBeenCalledWith(user.id, keep, tx);
      expect(events.record).toHaveBeenCalledWith(
        {
          type: SecurityEventType.PasswordChanged,
          userId: user.id,
          actorId: user.id,
          sessionId: keep,
        },
        client,
        tx,
      );
    });

    it('runs the caller’s work in that transaction, after the user is locked', async () => {
      const user = aUser();
      givenPasswordHash(user);
      passwords.verify.mockResolvedValueOnce(true);
      passwords.hash.mockResolvedValueOnce('new hash');
      users.lockPasswordHash.mockResolvedValueOnce('hash');
      users.update.mockResolvedValueOnce(undefined);
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);
      const alongside = jest.fn((_tx: Transaction) => Promise.resolve());

      await sut.changePassword(
        callerOf(user),
        { current: 'right one', next: 'a brand new passphrase' },
        client,
        alongside,
      );

      expect(alongside).toHaveBeenCalledWith(tx);
      expect(users.lockPasswordHash.mock.invocationCallOrder[0]).toBeLessThan(
        alongside.mock.invocationCallOrder[0],
      );
    });
  });

  describe('deleteAccount', () => {
    it.each([
      ['it is wrong', false, 'hash'],
      ['it was replaced since the check', true, 'the reset’s hash'],
    ])('refuses the password when %s and deletes nothing', async (_, matches, locked) => {
      const user = aUser();
      givenPasswordHash(user);
      passwords.verify.mockResolvedValueOnce(matches);
      givenLocked(user, [anAdmin()]);
      users.lockPasswordHash.mockResolvedValue(locked);

      await expect(sut.deleteAccount(callerOf(user), 'the old one', client)).rejects.toMatchObject({
        problem: Problem.ValidationFailed,
        options: { errors: [expect.objectContaining({ field: 'password' })] },
      });
      expect(passwords.verify).toHaveBeenCalledWith('the old one', 'hash');
      expect(users.delete).not.toHaveBeenCalled();
    });

    it('deletes the caller with the right password', async () => {
      const user = aUser();
      givenPasswordHash(user);
      passwords.verify.mockResolvedValueOnce(true);
      givenLocked(user, [anAdmin()]);
      users.lockPasswordHash.mockResolvedValueOnce('hash');
      users.delete.mockResolvedValueOnce(undefined);

      await sut.deleteAccount(callerOf(user), 'right one', client);

      expect(users.lockPasswordHash).toHaveBeenCalledWith(user.id, tx);
      expect(users.delete).toHaveBeenCalledWith(user.id, tx);
    });

    it('refuses the last active admin, even with the right password', async () => {
      const admin = anAdmin();
      givenPasswordHash(admin);
      passwords.verify.mockResolvedValueOnce(true);
      givenLocked(admin, [admin]);
      users.lockPasswordHash.mockResolvedValueOnce('hash');

      await expect(sut.deleteAccount(callerOf(admin), 'right one', client)).rejects.toMatchObject({
        problem: Problem.Conflict,
      });
    });
  });

  describe('list', () => {
    it('pages newest first', async () => {
      const user = aUser();
      users.findPage.mockResolvedValueOnce([[user], 41]);

      const page = await sut.list({ page: 3, limit: 20 });

      expect(users.findPage).toHaveBeenCalledWith({ pattern: undefined, skip: 40, take: 20 });
      expect(page).toEqual({
        data: [expect.objectContaining({ id: user.id })],
        meta: { page: 3, limit: 20, total: 41, totalPages: 3 },
      });
    });

    it('matches q in email or username, with % and _ taken literally', async () => {
      users.findPage.mockResolvedValueOnce([[], 0]);

      await sut.list({ page: 1, limit: 20, q: '50%_off' });

      expect(users.findPage).toHaveBeenCalledWith({
        pattern: '%50\\%\\_off%',
        skip: 0,
        take: 20,
      });
    });
  });

  describe('get', () => {
    it('answers 404 for an unknown id', async () => {
      users.findById.mockResolvedValueOnce(null);
      await expect(sut.get(randomUUID())).rejects.toMatchObject({ problem: Problem.NotFound });
    });
  });

  describe('update', () => {
    it('needs at least one field', async () => {
      await expect(sut.update(randomUUID(), {}, actingAdmin, client)).rejects.toMatchObject({
        problem: Problem.ValidationFailed,
      });
    });

    it('reads the user under the lock and saves in the same transaction', async () => {
      const user = aUser();
      givenLocked(user, []);
      savesAsGiven();

      await sut.update(user.id, { name: 'Ada' }, actingAdmin, client);

      expect(users.lockWithActiveAdmins).toHaveBeenCalledWith(user.id, tx);
      expect(users.save).toHaveBeenCalledWith(expect.objectContaining({ name: 'Ada' }), tx);
    });

    it('answers 404 for an unknown id', async () => {
      givenLocked(null, []);
      await expect(
        sut.update(randomUUID(), { name: 'x' }, actingAdmin, client),
      ).rejects.toMatchObject({
        problem: Problem.NotFound,
      });
    });

    it('changes a name without revoking anything, and answers the row as saved', async () => {
      const user = aUser();
      givenLocked(user, []);
      const updatedAt = new Date('2026-12-01T08:30:00.000Z');
      users.save.mockImplementationOnce((given) => Promise.resolve({ ...given, updatedAt }));

      const result = await sut.update(user.id, { name: 'Ada L.' }, actingAdmin, client);

      // The change reached the write, and the answer is what the write returned.
      expect(users.save).toHaveBeenCalledWith(
        expect.objectContaining({ id: user.id, name: 'Ada L.', role: Role.User, isActive: true }),
        tx,
      );
      expect(result).toMatchObject({ name: 'Ada L.', updatedAt: updatedAt.toISOString() });
      expect(revocation.revokeAllSessions).not.toHaveBeenCalled();
    });

    it.each([
      ['a promotion', aUser(), { role: Role.Admin }],
      ['a demotion', anAdmin(), { role: Role.User }],
      ['a deactivation', aUser(), { isActive: false }],
    ])(
      'revokes every session of the user on %s, in the same transaction',
      async (_, user, changes) => {
        givenLocked(user, [anAdmin()]);
        savesAsGiven();
        revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

        await sut.update(user.id, changes, actingAdmin, client);

        expect(revocation.revokeAllSessions).toHaveBeenCalledWith(user.id, undefined, tx);
      },
    );

    it('records a role change with the old and new role, in the same transaction', async () => {
      const user = aUser();
      givenLocked(user, [anAdmin()]);
      savesAsGiven();
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      await sut.update(user.id, { role: Role.Admin }, actingAdmin, client);

      expect(events.record).toHaveBeenCalledWith(
        {
          type: SecurityEventType.RoleChanged,
          userId: user.id,
          ...byAdmin,
          details: { from: Role.User, to: Role.Admin },
        },
        client,
        tx,
      );
    });

    it.each([
      ['a deactivation', aUser(), { isActive: false }, SecurityEventType.Deactivated],
      [
        'a reactivation',
        aUser({ isActive: false }),
        { isActive: true },
        SecurityEventType.Activated,
      ],
    ])('records %s', async (_, user, changes, type) => {
      givenLocked(user, []);
      savesAsGiven();
      revocation.revokeAllSessions.mockResolvedValue(undefined);

      await sut.update(user.id, changes, actingAdmin, client);

      expect(events.record).toHaveBeenCalledWith({ type, userId: user.id, ...byAdmin }, client, tx);
    });

    it('records nothing when only the name changes', async () => {
      const user = aUser();
      givenLocked(user, []);
      savesAsGiven();

      await sut.update(user.id, { name: 'Ada' }, actingAdmin, client);

      expect(events.record).not.toHaveBeenCalled();
    });

    it.each([
      ['the same role again', aUser(), { role: Role.User }],
      ['a reactivation', aUser({ isActive: false }), { isActive: true }],
    ])('revokes nothing on %s', async (_, user, changes) => {
      givenLocked(user, []);
      savesAsGiven();

      await sut.update(user.id, changes, actingAdmin, client);

      expect(revocation.revokeAllSessions).not.toHaveBeenCalled();
    });

    it.each([
      ['demoting', { role: Role.User }],
      ['deactivating', { isActive: false }],
      ['demoting and deactivating', { role: Role.User, isActive: false }],
    ])('refuses %s the last active admin with a 409 and changes nothing', async (_, changes) => {
      const admin = anAdmin();
      givenLocked(admin, [admin]);

      await expect(sut.update(admin.id, changes, actingAdmin, client)).rejects.toMatchObject({
        problem: Problem.Conflict,
      });
    });

    it('lets an admin be demoted while another active admin remains', async () => {
      const admin = anAdmin();
      givenLocked(admin, [admin, anAdmin()]);
      savesAsGiven();
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      const result = await sut.update(admin.id, { role: Role.User }, actingAdmin, client);

      expect(result.role).toBe(Role.User);
    });

    it('lets the last admin change their name', async () => {
      const admin = anAdmin();
      givenLocked(admin, [admin]);
      savesAsGiven();

      await expect(
        sut.update(admin.id, { name: 'Root' }, actingAdmin, client),
      ).resolves.toMatchObject({
        role: Role.Admin,
        name: 'Root',
      });
    });

    it('lets an inactive admin be demoted, as it is not an active admin', async () => {
      const admin = anAdmin({ isActive: false });
      givenLocked(admin, []);
      savesAsGiven();
      revocation.revokeAllSessions.mockResolvedValueOnce(undefined);

      await expect(
        sut.update(admin.id, { role: Role.User }, actingAdmin, client),
      ).resolves.toMatchObject({
        role: Role.User,
      });
    });
  });

  describe('remove', () => {
    it('deletes a user', async () => {
      const user = aUser();
      givenLocked(user, [anAdmin()]);
      users.delete.mockResolvedValueOnce(undefined);

      await sut.remove(user.id, actingAdmin, client);

      expect(users.delete).toHaveBeenCalledWith(user.id, tx);
    });

    it('answers 404 for an unknown id', async () => {
      givenLocked(null, []);
      await expect(sut.remove(randomUUID(), actingAdmin, client)).rejects.toMatchObject({
        problem: Problem.NotFound,
      });
    });

    it('refuses to delete the last active admin', async () => {
      const admin = anAdmin();
      givenLocked(admin, [admin]);
      await expect(sut.remove(admin.id, actingAdmin, client)).rejects.toMatchObject({
        problem: Problem.Conflict,
      });
    });

    it('deletes an admin while another active admin remains', async () => {
      const admin = anAdmin();
      givenLocked(admin, [anAdmin(), admin]);
      users.delete.mockResolvedValueOnce(undefined);

      await sut.remove(admin.id, actingAdmin, client);

      expect(users.delete).toHaveBeenCalledWith(admin.id, tx);
    });

    it('deletes an inactive admin even when no other admin is active', async () => {
      const admin = anAdmin({ isActive: false });
      givenLocked(admin, []);
      users.delete.mockResolvedValueOnce(undefined);

      await sut.remove(admin.id, actingAdmin, client);

      expect(users.delete).toHaveBeenCalledWith(admin.id, tx);
    });
  });

  describe('createAdmin', () => {
    // Already through checkAdminAccount (admin-account.spec.ts), which trims the email.
    const account = {
      email: 'Root@Example.COM',
      username: 'root_1',
      password: 'a long admin passphrase',
    };

    it('refuses a password equal to the username', async () => {
      users.findByEmailOrUsername.mockResolvedValueOnce(null);
      await expect(
        sut.createAdmin({
          email: 'root@example.com',
          username: 'Root_Admin',
          password: 'root_admin',
        }),
      ).rejects.toMatchObject({
        problem: Problem.ValidationFailed,
        options: { errors: [expect.objectContaining({ field: 'password' })] },
      });
    });

    it('creates an admin with the email lower-cased', async () => {
      users.findByEmailOrUsername.mockResolvedValueOnce(null);
      passwords.hash.mockResolvedValueOnce('hash');
      users.insert.mockImplementationOnce((row) => Promise.resolve(aUser(row)));

      const { user, created } = await sut.createAdmin(account);

      expect(created).toBe(true);
      expect(user).toMatchObject({ email: 'root@example.com', username: 'root_1', role: 'admin' });
      expect(users.insert).toHaveBeenCalledWith(
        expect.objectContaining({ role: Role.Admin, passwordHash: 'hash' }),
        tx,
      );
      expect(events.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: SecurityEventType.Registered, userId: user.id }),
        { userAgent: null, ip: null, requestId: null },
        tx,
      );
    });

    it('leaves an existing user with that email or username exactly as it is', async () => {
      const existing = aUser({ email: 'root@example.com' });
      users.findByEmailOrUsername.mockResolvedValueOnce(existing);

      const result = await sut.createAdmin(account);

      expect(result).toEqual({ user: existing, created: false });
    });

    it('treats losing an insert race to another process as "already exists"', async () => {
      const winner = anAdmin({ email: 'root@example.com', username: 'root_1' });
      users.findByEmailOrUsername.mockResolvedValueOnce(null).mockResolvedValueOnce(winner);
      passwords.hash.mockResolvedValueOnce('hash');
      users.insert.mockRejectedValueOnce(uniqueViolation('UQ_users_email'));

      await expect(sut.createAdmin(account)).resolves.toEqual({ user: winner, created: false });
    });
  });
});

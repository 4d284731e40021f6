import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ILike, Raw, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { Role } from '../common/principal/principal.js';
import { RevocationWrites } from '../revocation/revocation-writes.js';
import { User } from './user.entity.js';

export type NewUserRow = Pick<
  User,
  'email' | 'username' | 'name' | 'passwordHash' | 'role' | 'emailVerified'
>;

/**
 * Every query of the users table. A change of a row tells the bearer check (RevocationWrites):
 * it keeps users in memory, and this instance's next request must see the change.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly writes: RevocationWrites,
  ) {}

  /** Inserts a user; a taken email or username fails on the unique indexes. */
  insert(row: NewUserRow, tx?: Transaction): Promise<User> {
    const users = within(this.users, tx);
    return users.save(users.create(row));
  }

  /** In `tx` when given: a transaction asks over its own connection, never a second one. */
  findById(id: string, tx?: Transaction): Promise<User | null> {
    return within(this.users, tx).findOneBy({ id });
  }

  /** By email (stored lower-case, so give it lower-case). */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email });
  }

  /** By email, or else by username ignoring case. */
  findByEmailOrUsername(account: { email: string; username: string }): Promise<User | null> {
    return this.users.findOne({
      where: [
        { email: account.email },
        {
          username: Raw((column) => `lower(${column}) = lower(:username)`, {
            username: account.username,
          }),
        },
      ],
    });
  }

  /** A user by id, email or username ignoring case, with the password hash; in `tx` if given. */
  findWithPasswordHash(
    login: { id?: string; email?: string; username?: string },
    tx?: Transaction,
  ) {
    if (login.id !== undefined) return this.byIdWithPasswordHash(login.id, tx).getOne();
    const query = this.withPasswordHash(tx);
    if (login.email !== undefined) {
      query.where('user.email = :email', { email: login.email });
    } else {
      query.where('lower(user.username) = lower(:username)', { username: login.username });
    }
    return query.getOne();
  }

  /** A page of users, newest first; `pattern` is an ILIKE pattern on email or username. */
  findPage(page: { pattern?: string; skip: number; take: number }): Promise<[User[], number]> {
    const { pattern } = page;
    return this.users.findAndCount({
      where: pattern ? [{ email: ILike(pattern) }, { username: ILike(pattern) }] : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
  }

  async update(
    id: string,
    patch: Partial<Pick<User, 'name' | 'username' | 'passwordHash' | 'emailVerified'>>,
    tx?: Transaction,
  ): Promise<void> {
    const { affected } = await within(this.users, tx).update({ id }, patch);
    if (affected) this.writes.written(tx);
  }

  async save(user: User, tx: Transaction): Promise<User> {
    const saved = await within(this.users, tx).save(user);
    this.writes.written(tx);
    return saved;
  }

  async delete(id: string, tx: Transaction): Promise<void> {
    const { affected } = await within(this.users, tx).delete({ id });
    if (affected) this.writes.written(tx);
  }

  /**
   * Locks the user's row for the rest of the transaction (as an UPDATE of it would, without
   * holding back inserts that reference it); false when there is no such user. Whatever one
   * user's password and reset links go through takes this lock first, so such changes of one
   * user run one at a time, in one order, on every instance.
   */
  async lock(id: string, tx: Transaction): Promise<boolean> {
    const locked = await within(this.users, tx).findOne({
      select: { id: true },
      where: { id },
      lock: { mode: 'for_no_key_update' },
    });
    return locked !== null;
  }

  /**
   * Locks the user's row as `lock` does and reads the password hash under that lock, so that
   * no reset or change of the password can commit between the read and the transaction's end;
   * undefined when there is no such user.
   */
  async lockPasswordHash(id: string, tx: Transaction): Promise<string | undefined> {
    const locked = await this.byIdWithPasswordHash(id, tx).setLock('for_no_key_update').getOne();
    return locked?.passwordHash;
  }

  /**
   * The user as committed now, with the password hash, holding the row in share mode to the
   * end of `tx`; null when there is no such user. Whatever changes the row (a reset, a role
   * change, a deactivation, a deletion) then waits for `tx`; one already holding the row makes
   * this wait and then read its outcome.
   */
  hold(id: string, tx: Transaction): Promise<User | null> {
    return this.byIdWithPasswordHash(id, tx).setLock('pessimistic_read').getOne();
  }

  /** The query of users with their password hash (a column no other read selects). */
  private withPasswordHash(tx?: Transaction) {
    return within(this.users, tx).createQueryBuilder('user').addSelect('user.passwordHash');
  }

  private byIdWithPasswordHash(id: string, tx?: Transaction) {
    return this.withPasswordHash(tx).where('user.id = :id', { id });
  }

  /**
   * Locks every active admin row, then the user's row, for the rest of the transaction, and
   * returns the user (null when absent) and how many other active admins there are. Admins
   * are locked first and in id order, whatever the target, so that two such transactions
   * never wait on each other in a cycle.
   */
  async lockWithActiveAdmins(id: string, tx: Transaction) {
    const users = within(this.users, tx);
    const activeAdmins = await users.find({
      select: { id: true },
      where: { role: Role.Admin, isActive: true },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    const user = await users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    const otherActiveAdmins = activeAdmins.filter((admin) => admin.id !== id).length;
    return { user, otherActiveAdmins };
  }
}

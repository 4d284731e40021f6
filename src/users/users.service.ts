import { Injectable } from '@nestjs/common';
import { RevocationService } from '../revocation/revocation.service.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { SearchPageQueryDto } from '../common/pagination/page-query.dto.js';
import { likePattern, offsetOf, Paginated, paginated } from '../common/pagination/paginated.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { uniqueViolation } from '../common/database/database-errors.js';
import { madeBy, SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { WelcomeMessageDto } from './dto/welcome-message.dto.js';
import { PasswordService } from './password.service.js';
import { assertPasswordAllowed } from '../common/validation/password.policy.js';
import { UserDto } from './user.dto.js';
import { type AuthenticatedUser, Role, type Principal } from '../common/principal/principal.js';
import { type ClientInfo, NO_CLIENT } from '../common/principal/client-info.js';
import type { AdminAccount } from './admin-account.js';
import { User } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string | null;
  role?: Role;
  emailVerified?: boolean;
}

export interface AdminResult {
  user: User;
  /** False when a user with that email or username already existed; it was left unchanged. */
  created: boolean;
}

const UNIQUE_FIELDS: Record<string, { field: string; message: string }> = {
  UQ_users_email: { field: 'email', message: 'email is already registered' },
  UQ_users_username: { field: 'username', message: 'username is already taken' },
};

/** Turns a unique violation on users into a 409 naming the field; rethrows anything else. */
export function rethrowUserConflict(error: unknown): never {
  const constraint = uniqueViolation(error);
  const known = constraint === undefined ? undefined : UNIQUE_FIELDS[constraint];
  if (known) throw AppException.conflict(known.field, known.message);
  throw error;
}

const lastActiveAdmin = () =>
  new AppException(
    Problem.Conflict,
    'This is the last active admin: it cannot be deleted, demoted or deactivated.',
  );

const isActiveAdmin = (user: Pick<User, 'role' | 'isActive'>) =>
  user.role === Role.Admin && user.isActive;

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
    private readonly passwords: PasswordService,
    private readonly revocation: RevocationService,
    private readonly events: SecurityEventsService,
  ) {}

  /** Creates a user; a taken email or username is a 409 from the unique indexes. */
  async create(input: NewUser, client: ClientInfo): Promise<User> {
    const email = input.email.toLowerCase();
    assertPasswordAllowed(input.password, { email, username: input.username });
    const passwordHash = await this.passwords.hash(input.password);
    const row = {
      email,
      username: input.username,
      name: input.name ?? null,
      passwordHash,
      role: input.role ?? Role.User,
      emailVerified: input.emailVerified ?? false,
    };
    try {
      return await this.transactions.run(async (tx) => {
        const saved = await this.users.insert(row, tx);
        await this.events.record(registered(saved), client, tx);
        return saved;
      });
    } catch (error) {
      rethrowUserConflict(error);
    }
  }

  /**
   * Creates an admin for the CLI and the ADMIN_* variables, from an account their callers
   * checked with `checkAdminAccount`.
   * A user who already has the email or username is left exactly as they are: never
   * overwritten, promoted or demoted.
   */
  async createAdmin(checked: AdminAccount): Promise<AdminResult> {
    // Looked up first so that every restart does not pay for a bcrypt hash; the unique
    // indexes still decide a race between two processes.
    const existing = await this.findByEmailOrUsername(checked);
    if (existing) return { user: existing, created: false };
    try {
      // Whoever installs the service vouches for the first admin's address; no mail to wait for.
      const admin = { ...checked, role: Role.Admin, emailVerified: true };
      const user = await this.create(admin, NO_CLIENT);
      return { user, created: true };
    } catch (error) {
      // Another process (a second instance starting up) created it after the look-up.
      const raced =
        error instanceof AppException && error.problem === Problem.Conflict
          ? await this.findByEmailOrUsername(checked)
          : null;
      if (raced) return { user: raced, created: false };
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.findById(id);
    if (!user) throw AppException.notFound('User');
    return UserDto.from(user);
  }

  /** A user by email or username (both ignoring case), with the password hash. */
  findWithPasswordHash(login: { email?: string; username?: string }): Promise<User | null> {
    if (login.email !== undefined) {
      return this.users.findWithPasswordHash({ email: login.email.toLowerCase() });
    }
    return this.users.findWithPasswordHash({ username: login.username });
  }

  /**
   * Changes a user's password and ends every other session of theirs, in one transaction:
   * a new password never leaves the old sessions alive. `alongside` runs in that transaction,
   * with the user's row locked (the caller voids the mailed reset links).
   */
  async changePassword(
    caller: AuthenticatedUser,
    { current, next }: { current: string; next: string },
    client: ClientInfo,
    alongside?: (tx: Transaction) => Promise<void>,
  ): Promise<void> {
    const { user, token } = caller;
    const stillCurrent = await this.confirmPassword(user.id, current, 'currentPassword');
    assertPasswordAllowed(next, user, 'newPassword');
    const passwordHash = await this.passwords.hash(next);
    await this.transactions.run(async (tx) => {
      // First the user's row lock, as issuing and using reset links take it.
      await stillCurrent(tx);
      await this.users.update(user.id, { passwordHash }, tx);
      await this.revocation.revokeAllSessions(user.id, token.sid, tx);
      await alongside?.(tx);
      const event = { type: SecurityEventType.PasswordChanged, userId: user.id, ...madeBy(caller) };
      await this.events.record(event, client, tx);
    });
  }

  /** The user as committed now, their row held in share mode to the end of `tx` (see the repository). */
  hold(userId: string, tx: Transaction): Promise<User | null> {
    return this.users.hold(userId, tx);
  }

  welcomeMessage(user: Principal): WelcomeMessageDto {
    const access = user.role === Role.Admin ? 'full' : 'limited';
    return { message: `Welcome, ${user.username}! You have ${access} access.`, role: user.role };
  }

  /** The caller changes their own name or username; a taken username is a 409. */
  async updateProfile(user: Principal, changes: UpdateProfileDto): Promise<UserDto> {
    const patch: Partial<Pick<User, 'name' | 'username'>> = {};
    if (changes.name !== undefined) patch.name = changes.name;
    if (changes.username !== undefined) patch.username = changes.username;
    if (!Object.keys(patch).length) {
      throw AppException.validation('body', 'Give at least one of name, username.');
    }
    try {
      await this.users.update(user.id, patch);
    } catch (error) {
      rethrowUserConflict(error);
    }
    return this.get(user.id);
  }

  /** The caller deletes their own account, confirming with their password. */
  async deleteAccount(caller: AuthenticatedUser, password: string, client: ClientInfo) {
    const { id } = caller.user;
    await this.remove(id, caller, client, await this.confirmPassword(id, password, 'password'));
  }

  /** Every user, newest first; `q` is a literal, case-insensitive part of email or username. */
  async list(query: SearchPageQueryDto): Promise<Paginated<UserDto>> {
    const pattern = query.q ? likePattern(query.q) : undefined;
    const [users, total] = await this.users.findPage({
      pattern,
      skip: offsetOf(query),
      take: query.limit,
    });
    return paginated(
      users.map((user) => UserDto.from(user)),
      total,
      query,
    );
  }

  /**
   * An admin changes a user's role, active flag or name. A role change or a deactivation ends
   * every session of the user, and with them every access token issued to them.
   */
  async update(
    id: string,
    changes: UpdateUserDto,
    caller: AuthenticatedUser,
    client: ClientInfo,
  ): Promise<UserDto> {
    if (
      changes.role === undefined &&
      changes.isActive === undefined &&
      changes.name === undefined
    ) {
      throw AppException.validation('body', 'Give at least one of role, isActive, name.');
    }
    const saved = await this.transactions.run(async (tx) => {
      const { user, otherActiveAdmins } = await this.lockForChange(id, tx);
      const wasActiveAdmin = isActiveAdmin(user);
      const roleChanged = changes.role !== undefined && changes.role !== user.role;
      const deactivated = changes.isActive === false && user.isActive;
      const activated = changes.isActive === true && !user.isActive;
      const previousRole = user.role;
      if (changes.role !== undefined) user.role = changes.role;
      if (changes.isActive !== undefined) user.isActive = changes.isActive;
      if (changes.name !== undefined) user.name = changes.name;
      if (wasActiveAdmin && !isActiveAdmin(user) && otherActiveAdmins === 0) {
        throw lastActiveAdmin();
      }
      const saved = await this.users.save(user, tx);
      if (roleChanged || deactivated) {
        await this.revocation.revokeAllSessions(user.id, undefined, tx);
      }
      if (roleChanged) {
        const details = { from: previousRole, to: user.role };
        const event = { type: SecurityEventType.RoleChanged, userId: id, ...madeBy(caller) };
        await this.events.record({ ...event, details }, client, tx);
      }
      if (deactivated || activated) {
        const type = deactivated ? SecurityEventType.Deactivated : SecurityEventType.Activated;
        await this.events.record({ type, userId: id, ...madeBy(caller) }, client, tx);
      }
      return saved;
    });
    return UserDto.from(saved);
  }

  /**
   * Deletes a user. Their sessions, blocked tokens and templates go with them (foreign keys
   * ON DELETE CASCADE); their access tokens are then refused because the user is gone.
   */
  async remove(
    id: string,
    caller: AuthenticatedUser,
    client: ClientInfo,
    confirm?: (tx: Transaction) => Promise<void>,
  ): Promise<void> {
    await this.transactions.run(async (tx) => {
      const { user, otherActiveAdmins } = await this.lockForChange(id, tx);
      await confirm?.(tx);
      if (isActiveAdmin(user) && otherActiveAdmins === 0) throw lastActiveAdmin();
      await this.users.delete(id, tx);
      const event = { type: SecurityEventType.Deleted, userId: id, ...madeBy(caller) };
      await this.events.record(event, client, tx);
    });
  }

  /**
   * The user and the count of other active admins, with their rows locked for the rest of
   * the transaction. Whether a user is the last active admin is decided under these locks, so
   * two admins demoting each other at the same moment are serialised and the second sees the
   * first's change.
   */
  private async lockForChange(id: string, tx: Transaction) {
    const { user, otherActiveAdmins } = await this.users.lockWithActiveAdmins(id, tx);
    if (!user) throw AppException.notFound('User');
    return { user, otherActiveAdmins };
  }

  /**
   * Confirms that `password` is the user's current one (a confirmation, not a login): a field
   * error naming `field` otherwise. Checked outside any transaction, as hashing is slow, so it
   * returns `stillCurrent`, for the transaction that acts on the confirmation to call first: it
   * locks the user's row and refuses the same way if the password has changed since. A reset
   * committing in between must not be undone, nor followed by a deletion or a second factor
   * turned off, on the strength of the old password.
   */
  async confirmPassword(
    userId: string,
    password: string,
    field: string,
  ): Promise<(tx: Transaction) => Promise<void>> {
    const user = await this.users.findWithPasswordHash({ id: userId });
    const matches = await this.passwords.verify(password, user?.passwordHash);
    if (!user || !matches) throw wrongPassword(field);
    const confirmed = user.passwordHash;
    return async (tx) => {
      if ((await this.users.lockPasswordHash(userId, tx)) !== confirmed) throw wrongPassword(field);
    };
  }

  private findByEmailOrUsername(account: { email: string; username: string }) {
    return this.users.findByEmailOrUsername(account);
  }
}

const wrongPassword = (field: string) => AppException.validation(field, `${field} is wrong`);

const registered = (user: User) => ({
  type: SecurityEventType.Registered,
  userId: user.id,
  actorId: user.id,
  sessionId: null,
  details: { role: user.role },
});

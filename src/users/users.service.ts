import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EntityManager, ILike, Raw, Repository } from 'typeorm';
import { NewAccountDto } from './dto/new-account.dto.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { flattenValidationErrors, validationFailed } from '../common/http/validation.pipe.js';
import { SearchPageQueryDto } from '../common/pagination/page-query.dto.js';
import { likePattern, offsetOf, Paginated, paginated } from '../common/pagination/paginated.js';
import { uniqueViolation } from '../common/database/database-errors.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { WelcomeMessageDto } from './dto/welcome-message.dto.js';
import { PasswordService } from './password.service.js';
import { assertPasswordAllowed } from '../common/validation/password.policy.js';
import { UserDto } from './user.dto.js';
import { Role, type Principal } from '../common/principal/principal.js';
import { User } from './user.entity.js';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string | null;
  role?: Role;
  emailVerified?: boolean;
}

export interface AdminAccount {
  email: string;
  username: string;
  password: string;
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
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordService,
    private readonly revocation: RevocationService,
    private readonly events: SecurityEventsService,
  ) {}

  /** Creates a user; a taken email or username is a 409 from the unique indexes. */
  async create(input: NewUser): Promise<User> {
    const email = input.email.toLowerCase();
    assertPasswordAllowed(input.password, { email, username: input.username });
    const passwordHash = await this.passwords.hash(input.password);
    const user = this.users.create({
      email,
      username: input.username,
      name: input.name ?? null,
      passwordHash,
      role: input.role ?? Role.User,
      emailVerified: input.emailVerified ?? false,
    });
    try {
      return await this.users.manager.transaction(async (manager) => {
        const saved = await manager.save(user);
        await this.events.record(registered(saved), manager);
        return saved;
      });
    } catch (error) {
      rethrowUserConflict(error);
    }
  }

  /**
   * Creates an admin for the CLI and the ADMIN_* variables, under the rules of registration.
   * A user who already has the email or username is left exactly as they are: never
   * overwritten, promoted or demoted.
   */
  async createAdmin(account: AdminAccount): Promise<AdminResult> {
    const checked = await checkAccount(account);
    // Looked up first so that every restart does not pay for a bcrypt hash; the unique
    // indexes still decide a race between two processes.
    const existing = await this.findByEmailOrUsername(checked);
    if (existing) return { user: existing, created: false };
    try {
      // Whoever installs the service vouches for the first admin's address; no mail to wait for.
      const user = await this.create({ ...checked, role: Role.Admin, emailVerified: true });
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
    return this.users.findOneBy({ id });
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.findById(id);
    if (!user) throw AppException.notFound('User');
    return UserDto.from(user);
  }

  /** A user by email or username (both ignoring case), with the password hash. */
  findWithPasswordHash(login: { email?: string; username?: string }): Promise<User | null> {
    const query = this.users.createQueryBuilder('user').addSelect('user.passwordHash');
    if (login.email !== undefined) {
      query.where('user.email = :email', { email: login.email.toLowerCase() });
    } else {
      query.where('lower(user.username) = lower(:username)', { username: login.username });
    }
    return query.getOne();
  }

  /**
   * Changes a user's password and ends every other session of theirs, in one transaction:
   * a new password never leaves the old sessions alive.
   */
  async changePassword(user: Principal, current: string, next: string, keepSessionId: string) {
    await this.assertPassword(user.id, current, 'currentPassword');
    assertPasswordAllowed(next, user, 'newPassword');
    const passwordHash = await this.passwords.hash(next);
    await this.users.manager.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { passwordHash });
      await this.revocation.revokeAllSessions(user.id, keepSessionId, manager);
      await this.events.record(
        { type: SecurityEventType.PasswordChanged, userId: user.id },
        manager,
      );
    });
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
      await this.users.update({ id: user.id }, patch);
    } catch (error) {
      rethrowUserConflict(error);
    }
    return this.get(user.id);
  }

  /** The caller deletes their own account, confirming with their password. */
  async deleteAccount(user: Principal, password: string): Promise<void> {
    await this.assertPassword(user.id, password, 'password');
    await this.remove(user.id);
  }

  /** Every user, newest first; `q` is a literal, case-insensitive part of email or username. */
  async list(query: SearchPageQueryDto): Promise<Paginated<UserDto>> {
    const pattern = query.q ? likePattern(query.q) : undefined;
    const [users, total] = await this.users.findAndCount({
      where: pattern ? [{ email: ILike(pattern) }, { username: ILike(pattern) }] : {},
      order: { createdAt: 'DESC', id: 'DESC' },
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
  async update(id: string, changes: UpdateUserDto): Promise<UserDto> {
    if (
      changes.role === undefined &&
      changes.isActive === undefined &&
      changes.name === undefined
    ) {
      throw AppException.validation('body', 'Give at least one of role, isActive, name.');
    }
    const saved = await this.users.manager.transaction(async (manager) => {
      const { user, otherActiveAdmins } = await this.lockForChange(manager, id);
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
      const saved = await manager.save(user);
      if (roleChanged || deactivated) {
        await this.revocation.revokeAllSessions(user.id, undefined, manager);
      }
      if (roleChanged) {
        const details = { from: previousRole, to: user.role };
        await this.events.record(
          { type: SecurityEventType.RoleChanged, userId: id, details },
          manager,
        );
      }
      if (deactivated || activated) {
        const type = deactivated ? SecurityEventType.Deactivated : SecurityEventType.Activated;
        await this.events.record({ type, userId: id }, manager);
      }
      return saved;
    });
    return UserDto.from(saved);
  }

  /**
   * Deletes a user. Their sessions, blocked tokens and templates go with them (foreign keys
   * ON DELETE CASCADE); their access tokens are then refused because the user is gone.
   */
  async remove(id: string): Promise<void> {
    await this.users.manager.transaction(async (manager) => {
      const { user, otherActiveAdmins } = await this.lockForChange(manager, id);
      if (isActiveAdmin(user) && otherActiveAdmins === 0) throw lastActiveAdmin();
      await manager.delete(User, { id });
      await this.events.record({ type: SecurityEventType.Deleted, userId: id }, manager);
    });
  }

  /**
   * Locks every active admin row, then the user's row, for the rest of the transaction.
   * Whether a user is the last active admin is decided under these locks, so two admins
   * demoting each other at the same moment are serialised and the second sees the first's
   * change. Admins are locked first and in id order, whatever the target, so that two such
   * transactions never wait on each other in a cycle.
   */
  private async lockForChange(manager: EntityManager, id: string) {
    const activeAdmins = await manager.find(User, {
      select: { id: true },
      where: { role: Role.Admin, isActive: true },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    const user = await manager.findOne(User, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!user) throw AppException.notFound('User');
    const otherActiveAdmins = activeAdmins.filter((admin) => admin.id !== id).length;
    return { user, otherActiveAdmins };
  }

  /** A field error unless `password` is the user's current one (a confirmation, not a login). */
  private async assertPassword(userId: string, password: string, field: string): Promise<void> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id: userId })
      .getOne();
    if (!(await this.passwords.verify(password, user?.passwordHash))) {
      throw AppException.validation(field, `${field} is wrong`);
    }
  }

  private findByEmailOrUsername(account: { email: string; username: string }) {
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
}

const registered = (user: User) => ({
  type: SecurityEventType.Registered,
  userId: user.id,
  actorId: user.id,
  sessionId: null,
  details: { role: user.role },
});

/** An admin account from outside HTTP meets the rules of registration; returns it normalised. */
async function checkAccount(account: AdminAccount): Promise<AdminAccount> {
  const dto = plainToInstance(NewAccountDto, { ...account });
  const errors = await validate(dto, { stopAtFirstError: true });
  if (errors.length) throw validationFailed(flattenValidationErrors(errors));
  return { email: dto.email, username: dto.username, password: dto.password };
}

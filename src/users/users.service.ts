import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/errors/app.exception.js';
import { uniqueViolation } from '../database/database-errors.js';
import { PasswordService } from './password.service.js';
import { assertPasswordAllowed } from './password.policy.js';
import { Role, User } from './user.entity.js';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string | null;
  role?: Role;
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

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordService,
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
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      rethrowUserConflict(error);
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async getById(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw AppException.notFound('User');
    return user;
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

  async passwordHashOf(id: string): Promise<string | undefined> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id })
      .getOne();
    return user?.passwordHash;
  }

  async setPassword(id: string, password: string): Promise<void> {
    const passwordHash = await this.passwords.hash(password);
    await this.users.update({ id }, { passwordHash });
  }
}

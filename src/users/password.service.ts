import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcryptjs';
import type { Environment } from '../config/environment.js';

@Injectable()
export class PasswordService {
  private readonly rounds: number;
  private dummyHash?: Promise<string>;

  constructor(config: ConfigService<Environment, true>) {
    this.rounds = config.get('BCRYPT_ROUNDS', { infer: true });
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  /**
   * Compares a password with a stored hash. Without a hash (no such user) it still runs one
   * comparison at the same cost, so that an unknown login name takes as long as a wrong
   * password.
   */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    this.dummyHash ??= bcrypt.hash('dummy password for timing', this.rounds);
    const matches = await bcrypt.compare(password, hash ?? (await this.dummyHash));
    return matches && hash !== undefined;
  }
}

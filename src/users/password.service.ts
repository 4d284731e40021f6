import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { PasswordPool, PasswordPoolBusyError } from './password.pool.js';

/** A full hashing queue as the client sees it: 503, come back after Retry-After. */
function rethrowBusy(error: unknown): never {
  if (error instanceof PasswordPoolBusyError) {
    throw new AppException(
      Problem.ServiceUnavailable,
      'Too many password checks are waiting. Try again shortly.',
      { headers: { 'retry-after': String(error.retryAfterSeconds) }, cause: error },
    );
  }
  throw error;
}

@Injectable()
export class PasswordService {
  private readonly rounds: number;
  private dummyHash?: Promise<string>;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly pool: PasswordPool,
  ) {
    this.rounds = config.get('BCRYPT_ROUNDS', { infer: true });
  }

  hash(password: string): Promise<string> {
    return this.pool.hash(password, this.rounds).catch(rethrowBusy);
  }

  /**
   * Compares a password with a stored hash. Without a hash (no such user) it still runs one
   * comparison at the same cost, so that an unknown login name takes as long as a wrong
   * password.
   */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const against = hash ?? (await this.dummy());
    const matches = await this.pool.compare(password, against).catch(rethrowBusy);
    return matches && hash !== undefined;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash('dummy password for timing').catch((error: unknown) => {
      // A refused or failed hash is not cached: the next unknown name tries again.
      this.dummyHash = undefined;
      throw error;
    });
    return this.dummyHash;
  }
}

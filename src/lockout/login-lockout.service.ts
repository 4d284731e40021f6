import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import type { Environment } from '../config/environment.js';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import {
  afterFailure,
  FORGET_AFTER_MS,
  isLocked,
  type LockoutPolicy,
  loginNameKey,
  secondsLeft,
} from './lockout-policy.js';
import { LoginLockoutsRepository } from './login-lockouts.repository.js';

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** What a login read about its name before checking the password. */
export interface LoginAttempt {
  /** The login name as tried, for the event. */
  readonly name: string;
  readonly key: string;
  /** The keys of the name tried and of the account's names: a success clears them all. */
  readonly keys: string[];
  readonly lockedUntil: Date | null;
  /** Whether any of `keys` has a row (so a success has something to clear). */
  readonly counted: boolean;
}

/** A lockout that a failure just began. */
export interface LockoutBegun {
  /** Seconds it lasts. */
  seconds: number;
  lockedUntil: Date;
  /** The first since the name's last success (the owner is told of this one). */
  first: boolean;
  /** Failed logins in a row so far. */
  failures: number;
}

const lockedOut = (seconds: number) =>
  new AppException(
    Problem.TooManyRequests,
    'Too many failed logins for this name. Try again later, or reset the password.',
    { headers: { 'retry-after': String(seconds) } },
  );

/**
 * Lockout per login name, from any IP: LOCKOUT_THRESHOLD failures in a row lock the name for
 * LOCKOUT_SECONDS, twice as long after each further failure once a lockout ends (at most an
 * hour). Names with and without an account are treated alike, so the answer tells nothing.
 * Counted in the database, so every instance agrees; each count is one short transaction on a
 * row lock (nothing held between transactions, no notification).
 */
@Injectable()
export class LoginLockoutService {
  private readonly logger = new Logger(LoginLockoutService.name);
  private readonly policy: LockoutPolicy;
  private readonly begun?: Counter<'first'>;

  constructor(
    private readonly lockouts: LoginLockoutsRepository,
    private readonly transactions: Transactions,
    private readonly events: SecurityEventsService,
    config: ConfigService<Environment, true>,
    // Absent where no metrics are served (the CLI, unit specs).
    @Optional() metrics?: MetricsService,
  ) {
    this.begun = metrics?.counter(
      'auth_lockouts_total',
      'Lockouts of a login name begun after failed logins (first: the first since a success)',
      ['first'],
    );
    this.policy = {
      threshold: config.get('LOCKOUT_THRESHOLD', { infer: true }),
      baseSeconds: config.get('LOCKOUT_SECONDS', { infer: true }),
    };
  }

  get enabled(): boolean {
    return this.policy.threshold > 0;
  }

  /**
   * Reads the state of the name tried (and of the account's names, when it has one). Call it
   * before the password check; `assertNotLocked` after it, so that a locked name costs the
   * same time as a wrong password.
   */
  async read(name: string, accountNames: string[] = []): Promise<LoginAttempt> {
    const key = loginNameKey(name);
    const keys = [...new Set([key, ...accountNames.map(loginNameKey)])];
    if (!this.enabled) return { name, key, keys, lockedUntil: null, counted: false };
    const rows = await this.lockouts.find(keys);
    const own = rows.find((row) => row.nameHash === key);
    return { name, key, keys, lockedUntil: own?.lockedUntil ?? null, counted: rows.length > 0 };
  }

  assertNotLocked(attempt: LoginAttempt, now = new Date()): void {
    if (attempt.lockedUntil && isLocked(attempt, now)) {
      throw lockedOut(secondsLeft(attempt.lockedUntil, now));
    }
  }

  /**
   * Counts a failed login; when it begins a lockout, records `auth.lockout` in the same
   * transaction and says so.
   */
  async recordFailure(
    attempt: LoginAttempt,
    userId: string | null,
    client: ClientInfo,
  ): Promise<LockoutBegun | undefined> {
    if (!this.enabled) return undefined;
    const now = new Date();
    const begun = await this.transactions.run(async (tx) => {
      const before = await this.lockouts.lock(attempt.key, tx);
      const { state, lockedFor } = afterFailure(before, now, this.policy);
      if (state === before) return undefined;
      await this.lockouts.save(attempt.key, state, tx);
      if (lockedFor === undefined || !state.lockedUntil) return undefined;
      const begun = {
        seconds: lockedFor,
        lockedUntil: state.lockedUntil,
        first: state.lockouts === 1,
        failures: state.failures,
      };
      await this.events.record(
        {
          type: SecurityEventType.Lockout,
          userId,
          actorId: null,
          sessionId: null,
          details: {
            identifier: attempt.name.slice(0, 254),
            failures: state.failures,
            lockouts: state.lockouts,
            seconds: lockedFor,
            until: state.lockedUntil.toISOString(),
          },
        },
        client,
        tx,
      );
      return begun;
    });
    if (begun) this.begun?.inc({ first: String(begun.first) });
    return begun;
  }

  /** A successful login forgets the failures of the name tried and of the account's names. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    if (attempt.counted) await this.lockouts.clear(attempt.keys);
  }

  /** A password reset unlocks every name of the account. */
  async unlock(accountNames: string[], tx?: Transaction): Promise<void> {
    await this.lockouts.clear(accountNames.map(loginNameKey), tx);
  }

  @Interval(PRUNE_EVERY_MS)
  async prune(): Promise<void> {
    try {
      await this.lockouts.prune(new Date(Date.now() - FORGET_AFTER_MS));
    } catch (error) {
      this.logger.warn(`Pruning login lockouts failed: ${(error as Error).message}`);
    }
  }
}

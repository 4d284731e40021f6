import { performance } from 'node:perf_hooks';

/** What an answer from memory needs before it may be given. */
export type FreshnessVerdict =
  /** The state is recent enough: answer now. */
  | 'fresh'
  /** Answer now, and start a round trip so that the state stays recent under a steady load. */
  | 'fresh-refresh'
  /** Wait for a round trip that starts from now. */
  | 'stale';

/**
 * How recent the revocation state is, as proved by round trips on the listening connection:
 * PostgreSQL delivers a listening session every notification committed before a query of it
 * begins, before that query's answer. So once a round trip started at `t` has come back, the
 * state holds every revocation committed before `t`.
 *
 * An answer from memory is given without a round trip of its own while the newest trip that
 * came back started at most `maxAgeMs` ago, and after the last write this instance answered:
 * a revocation another instance or an operator's SQL commits is honoured here within `maxAgeMs`
 * plus one round trip (the contract allows a second), and one this instance answered is
 * honoured by its very next request.
 */
export class Freshness {
  /** Start of the newest round trip that came back; -Infinity while none since (re)loading. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  /** When this instance last answered a request that may have written. */
  private writtenAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxAgeMs: number,
    readonly now: () => number = () => performance.now(),
  ) {}

  verdict(): FreshnessVerdict {
    const age = this.now() - this.confirmedAt;
    if (this.confirmedAt <= this.writtenAt || age > this.maxAgeMs) return 'stale';
    return age > this.maxAgeMs / 2 ? 'fresh-refresh' : 'fresh';
  }

  /** A round trip that started at `startedAt` (from `now()`) came back. */
  confirmed(startedAt: number): void {
    if (startedAt > this.confirmedAt) this.confirmedAt = startedAt;
  }

  /** This instance is answering a request that may have written: later ones wait for a trip. */
  written(): void {
    this.writtenAt = this.now();
  }

  /** The state was lost or is being loaded again: nothing is proved until the next trip. */
  forget(): void {
    this.confirmedAt = Number.NEGATIVE_INFINITY;
  }
}

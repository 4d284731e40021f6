import { OnApplicationShutdown } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

const PASSWORD_WORKER = fileURLToPath(new URL('./password.worker.mjs', import.meta.url));

const IDLE_THREAD_MS = 60_000;

export interface PasswordPoolOptions {
  /** Worker threads; the machine's cores by default. */
  threads?: number;
  /** Tasks that may wait for a free thread; past it, a task is refused at once. */
  maxQueue: number;
  /**
   * Added to the threads' nice value (Linux, per thread), so that hashing takes the CPU time
   * requests leave idle. It yields to every other process on the host too, not only to ours.
   */
  niceIncrement?: number;
  /** The worker module; the bcrypt worker unless a test gives another. */
  filename?: string;
}

export interface PasswordPoolStats {
  threads: number;
  /** Tasks waiting for a thread. */
  queued: number;
  maxQueue: number;
  /** Tasks running now. */
  running: number;
  /** Share of the threads busy now, 0 to 1. */
  utilization: number;
  completed: number;
}

/** The queue is full: the task was not started. */
export class PasswordPoolBusyError extends Error {
  override name = 'PasswordPoolBusyError';

  constructor(
    /** When the queue should have room again, by the mean task time. */
    readonly retryAfterSeconds: number,
  ) {
    super('The password hashing queue is full');
  }
}

type PasswordTask =
  | { op: 'hash'; password: string; rounds: number }
  | { op: 'compare'; password: string; hash: string };

/**
 * bcrypt on worker threads, so that hashing never blocks the event loop and uses every core.
 * The queue is bounded: work no client would wait for is refused instead of piled up.
 */
export class PasswordPool implements OnApplicationShutdown {
  private readonly pool: Piscina;
  private readonly threads: number;
  private readonly maxQueue: number;
  /** Tasks accepted and not settled yet: a shutdown lets them finish. */
  private readonly tasks = new Set<Promise<unknown>>();
  private closing = false;

  constructor(options: PasswordPoolOptions) {
    this.threads = options.threads ?? availableParallelism();
    this.maxQueue = options.maxQueue;
    this.pool = new Piscina({
      filename: options.filename ?? PASSWORD_WORKER,
      // Threads start with the first task and stop after a minute idle: an idle service (and
      // the CLI) carries no bcrypt isolates, and starting one costs well under one hash at cost 10+.
      minThreads: 0,
      maxThreads: this.threads,
      niceIncrement: options.niceIncrement ?? 0,
      idleTimeout: IDLE_THREAD_MS,
    });
  }

  hash(password: string, rounds: number): Promise<string> {
    return this.run<string>({ op: 'hash', password, rounds });
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run<boolean>({ op: 'compare', password, hash });
  }

  stats(): PasswordPoolStats {
    const running = Math.min(this.tasks.size, this.threads);
    return {
      threads: this.threads,
      queued: this.pool.queueSize,
      maxQueue: this.maxQueue,
      running,
      utilization: running / this.threads,
      completed: this.pool.completed,
    };
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  /** After the HTTP server has stopped; the tasks of requests still running are finished. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    // Piscina's close() stops tasks still waiting for a thread to start: wait for them first.
    await Promise.allSettled(this.tasks);
    await this.pool.close();
  }

  private run<T>(task: PasswordTask): Promise<T> {
    // Checked here, synchronously before the task is queued, so the bound is exact. While
    // the pool shuts down, a request that arrives late is told to come back (to another
    // instance), not answered with the error of a thread being stopped.
    if (this.closing || this.pool.queueSize >= this.maxQueue) {
      return Promise.reject(new PasswordPoolBusyError(this.secondsToDrain()));
    }
    const running = (this.pool.run(task) as Promise<T>).finally(() => {
      this.tasks.delete(running);
    });
    this.tasks.add(running);
    return running;
  }

  private secondsToDrain(): number {
    // Piscina records run times in milliseconds; before the first task ends there is no mean.
    const meanMs = this.pool.histogram.runTime?.mean;
    if (!Number.isFinite(meanMs)) return 1;
    const waiting = this.pool.queueSize + this.threads;
    return Math.max(1, Math.ceil((waiting * meanMs) / this.threads / 1000));
  }
}

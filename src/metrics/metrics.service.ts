import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Pool } from 'pg';
import { DatabasePool } from '../common/database/database-pool.js';
import { answeredProblem } from '../common/errors/answered-problem.js';
import { Problem } from '../common/errors/problem.js';
import { hookEveryRoute, type RouteHook } from '../common/http/route-hooks.js';
import { DurationHistogram, DurationSeries } from './duration-histogram.js';

/** What a client got from a login or refresh, read from the answer's status and problem. */
export function authOutcome(status: number, problem?: Problem): string {
  if (status < 300) return 'succeeded';
  // The right password, a second factor to come: neither a failure nor a refusal.
  if (problem === Problem.MfaRequired) return 'mfa_required';
  if (status === 401) return 'failed';
  if (status === 429) return 'rate_limited';
  if (status < 500) return 'rejected';
  return 'error';
}

/** Where a request that matched no route is counted: one label value, never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that several apps in one process (the e2e tests) do not register the same names twice.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new DurationHistogram(
    'http_request_duration_seconds',
    'HTTP request duration by method, route template and status',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ).register(this.registry);

  private readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts by outcome (succeeded, mfa_required, failed, rate_limited, rejected, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly refreshes = new Counter({
    name: 'auth_refreshes_total',
    help: 'Refresh-token exchanges by outcome (succeeded, failed, rate_limited, rejected, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly refreshReuse = new Counter({
    name: 'auth_refresh_token_reuse_total',
    help: 'Retired refresh tokens presented again (the session was revoked)',
    registers: [this.registry],
  });

  /**
   * Bearer checks since the last scrape, by outcome. Every authenticated request makes one, so it
   * is counted as a plain number and handed to the counter when Prometheus scrapes.
   */
  private readonly pendingBearerChecks = new Map<string, number>();

  private readonly bearerChecks: Counter<'outcome'> = new Counter({
    name: 'auth_bearer_checks_total',
    help: 'Bearer access-token checks on protected routes by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [outcome, count] of this.pendingBearerChecks) {
        this.bearerChecks.inc({ outcome }, count);
      }
      this.pendingBearerChecks.clear();
    },
  });

  private readonly rateLimitHits = new Counter({
    name: 'rate_limit_hits_total',
    help: 'Requests refused by a rate limit, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly database: DatabasePool,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // Three of prom-client's defaults are gauges named `*_total` (nodejs_active_handles_total,
    // _requests_total, _resources_total), a suffix Prometheus keeps for counters: `promtool check
    // metrics` fails on them. Each is the sum over `type` of the gauge beside it
    // (`sum(nodejs_active_handles)`), so they are left out; the other defaults stay.
    for (const metric of this.registry.getMetricsAsArray()) {
      if (metric.name.endsWith('_total') && !(metric instanceof Counter)) {
        this.registry.removeSingleMetric(metric.name);
      }
    }
    this.poolGauge('db_pool_connections_in_use', 'Database connections checked out', (pool) =>
      Math.max(0, pool.totalCount - pool.idleCount),
    );
    this.poolGauge(
      'db_pool_connections_idle',
      'Idle database connections',
      (pool) => pool.idleCount,
    );
    this.poolGauge(
      'db_pool_requests_waiting',
      'Queries waiting for a database connection',
      (pool) => pool.waitingCount,
    );
  }

  /**
   * Times every answer. Called before the routes are registered (app.factory.ts): each route gets
   * an onResponse hook of its own that already knows its template and holds its series, so an
   * answer costs two map lookups and a bucket count, not a route-options object, a label key and
   * prom-client's observe (see DurationHistogram); the not-found answers are timed as one route
   * (hookEveryRoute).
   */
  instrument(): void {
    hookEveryRoute(
      this.adapterHost.httpAdapter.getInstance<FastifyInstance>(),
      'onResponse',
      'last',
      (route) => this.timer(route ?? UNMATCHED_ROUTE),
    );
  }

  /** A gauge read when Prometheus scrapes, for values another part of the service owns. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A counter that another part of the service counts into. */
  counter<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
  ): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  countBearerCheck(outcome: string): void {
    this.pendingBearerChecks.set(outcome, (this.pendingBearerChecks.get(outcome) ?? 0) + 1);
  }

  countRefreshReuse(): void {
    this.refreshReuse.inc();
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The onResponse hook of one route template, with its duration children by method and status. */
  private timer(route: string): RouteHook {
    const children = new Map<string, Map<number, DurationSeries>>();
    // Logins and refreshes are counted from their answers, so the services need no metrics code.
    const outcomes = route.endsWith('/auth/login')
      ? this.logins
      : route.endsWith('/auth/refresh')
        ? this.refreshes
        : undefined;
    return (request, reply, done) => {
      const { method } = request;
      const status = reply.statusCode;
      let byStatus = children.get(method);
      if (!byStatus) children.set(method, (byStatus = new Map<number, DurationSeries>()));
      let child = byStatus.get(status);
      if (!child) {
        child = this.httpDuration.labels({ method, route, status_code: String(status) });
        byStatus.set(status, child);
      }
      child.observe(reply.elapsedTime / 1000);
      if (status === 429) this.rateLimitHits.inc({ route });
      if (outcomes && method === 'POST') {
        outcomes.inc({ outcome: authOutcome(status, answeredProblem(request)) });
      }
      done();
    };
  }

  private poolGauge(name: string, help: string, read: (pool: Pool) => number): void {
    this.gauge(name, help, () => {
      const pool = this.database.opened;
      return pool ? read(pool) : 0;
    });
  }
}

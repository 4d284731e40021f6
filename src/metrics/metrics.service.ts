import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  LabelValues,
  Registry,
} from 'prom-client';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/** What a client got from a login or refresh, read from the answer's status. */
export function authOutcome(status: number): string {
  if (status < 300) return 'succeeded';
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
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts by outcome (succeeded, failed, rate_limited, rejected, error)',
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

  private readonly bearerChecks = new Counter({
    name: 'auth_bearer_checks_total',
    help: 'Bearer access-token checks on protected routes by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly rateLimitHits = new Counter({
    name: 'rate_limit_hits_total',
    help: 'Requests refused by a rate limit, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  /** Label sets seen before, so the hot path does not build and hash a label object each time. */
  private readonly durationChildren = new Map<string, { observe(value: number): void }>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    collectDefaultMetrics({ register: this.registry });
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

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.observeResponse(request, reply);
      done();
    });
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

  countBearerCheck(outcome: string): void {
    this.bearerChecks.inc({ outcome });
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

  private observeResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const key = `${request.method} ${route} ${status}`;
    let child = this.durationChildren.get(key);
    if (!child) {
      const labels: LabelValues<'method' | 'route' | 'status_code'> = {
        method: request.method,
        route,
        status_code: status,
      };
      child = this.httpDuration.labels(labels);
      this.durationChildren.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    if (status === 429) this.rateLimitHits.inc({ route });
    // Logins and refreshes are counted from their answers, so the services need no metrics code.
    if (request.method === 'POST') {
      if (route.endsWith('/auth/login')) this.logins.inc({ outcome: authOutcome(status) });
      else if (route.endsWith('/auth/refresh'))
        this.refreshes.inc({ outcome: authOutcome(status) });
    }
  }

  private poolGauge(name: string, help: string, read: (pool: Pool) => number): void {
    this.gauge(name, help, () => {
      const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
      return pool ? read(pool) : 0;
    });
  }
}

import { afterEach, describe, expect, it } from '@jest/globals';
import type { HttpAdapterHost } from '@nestjs/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { DatabasePool } from '../common/database/database-pool.js';
import { MetricsService } from './metrics.service.js';

/** The sample lines of one metric whose labels include every given pair. */
function samples(text: string, name: string, labels: Record<string, string | number>): string[] {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((pair) => line.includes(pair)));
}

const count = (text: string, labels: Record<string, string | number>) =>
  samples(text, 'http_request_duration_seconds_count', labels).map((line) =>
    Number(line.split(' ').pop()),
  );

describe(MetricsService.name, () => {
  let fastify: FastifyInstance | undefined;
  afterEach(async () => {
    await fastify?.close();
    fastify = undefined;
  });

  const metrics = (instance?: FastifyInstance) =>
    new MetricsService(
      { httpAdapter: { getInstance: () => instance } } as unknown as HttpAdapterHost,
      new DatabasePool(),
    );

  it('hands the bearer checks counted since the last scrape to the counter, each once', async () => {
    const sut = metrics();
    for (let i = 0; i < 3; i += 1) sut.countBearerCheck('ok');
    sut.countBearerCheck('revoked');

    const bearer = (text: string, outcome: string) =>
      samples(text, 'auth_bearer_checks_total', { outcome });
    const first = await sut.render();
    expect(bearer(first, 'ok')).toEqual(['auth_bearer_checks_total{outcome="ok"} 3']);
    expect(bearer(first, 'revoked')).toEqual(['auth_bearer_checks_total{outcome="revoked"} 1']);

    sut.countBearerCheck('ok');
    const second = await sut.render();
    expect(bearer(second, 'ok')).toEqual(['auth_bearer_checks_total{outcome="ok"} 4']);
    expect(bearer(second, 'revoked')).toEqual(['auth_bearer_checks_total{outcome="revoked"} 1']);
  });

  describe('instrument', () => {
    let ownHookRuns = 0;
    const instrumented = async () => {
      fastify = Fastify();
      const sut = metrics(fastify);
      sut.instrument();
      ownHookRuns = 0;
      const ownHook = (_request: unknown, _reply: unknown, done: () => void) => {
        ownHookRuns += 1;
        done();
      };
      fastify.get('/api/things/:id', { onResponse: ownHook }, () => ({ ok: true }));
      fastify.post('/api/auth/login', (request, reply) =>
        reply.code((request.body as { good?: boolean }).good ? 200 : 401).send({}),
      );
      await fastify.ready();
      return sut;
    };

    it('times each answer once, under its route template, method and status', async () => {
      const sut = await instrumented();
      await fastify!.inject({ method: 'GET', url: '/api/things/123456' });
      await fastify!.inject({ method: 'GET', url: '/api/things/654321' });
      await fastify!.inject({ method: 'HEAD', url: '/api/things/123456' });

      const text = await sut.render();
      expect(text).not.toContain('123456');
      const route = '/api/things/:id';
      expect(count(text, { method: 'GET', route, status_code: 200 })).toEqual([2]);
      expect(count(text, { method: 'HEAD', route, status_code: 200 })).toEqual([1]);
      expect(ownHookRuns).toBe(3);
      expect(count(text, { route: 'unmatched' })).toEqual([]);
    });

    it('times answers of no route once, under one label value, never the raw URL', async () => {
      const sut = await instrumented();
      await fastify!.inject({ method: 'GET', url: '/no/such/route/98765' });
      await fastify!.inject({ method: 'DELETE', url: '/api/things/1' });

      const text = await sut.render();
      expect(text).not.toContain('98765');
      expect(count(text, { method: 'GET', route: 'unmatched', status_code: 404 })).toEqual([1]);
      expect(count(text, { method: 'DELETE', route: 'unmatched', status_code: 404 })).toEqual([1]);
      expect(count(text, { route: '/api/things/:id' })).toEqual([]);
    });

    it('counts logins by the outcome their answers carry', async () => {
      const sut = await instrumented();
      await fastify!.inject({ method: 'POST', url: '/api/auth/login', payload: { good: true } });
      await fastify!.inject({ method: 'POST', url: '/api/auth/login', payload: { good: false } });
      await fastify!.inject({ method: 'POST', url: '/api/auth/login', payload: { good: false } });

      const text = await sut.render();
      expect(samples(text, 'auth_logins_total', { outcome: 'succeeded' })).toEqual([
        'auth_logins_total{outcome="succeeded"} 1',
      ]);
      expect(samples(text, 'auth_logins_total', { outcome: 'failed' })).toEqual([
        'auth_logins_total{outcome="failed"} 2',
      ]);
      expect(samples(text, 'auth_refreshes_total', {})).toEqual([]);
    });
  });
});

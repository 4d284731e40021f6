import { describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { hookEveryRoute, type RouteHook } from './route-hooks.js';

describe(hookEveryRoute.name, () => {
  it("runs each route's own hook first or last among its hooks, and one for unmatched requests", async () => {
    const fastify = Fastify();
    const seen: string[] = [];
    const made: (string | undefined)[] = [];
    const hookFor =
      (label: string) =>
      (route: string | undefined): RouteHook => {
        made.push(route);
        return (_request, _reply, done) => {
          seen.push(`${label} ${route ?? 'unmatched'}`);
          done();
        };
      };
    hookEveryRoute(fastify, 'onRequest', 'first', hookFor('request'));
    hookEveryRoute(fastify, 'onResponse', 'last', hookFor('response'));
    fastify.get(
      '/items/:id',
      {
        onRequest: (_request, _reply, done) => {
          seen.push('own request');
          done();
        },
        onResponse: [
          (_request, _reply, done) => {
            seen.push('own response');
            done();
          },
        ],
      },
      (_request, reply) => void reply.send({ ok: true }),
    );
    await fastify.ready();
    // Made once each when the route registered (GET and its HEAD), not per request.
    const madeAtStart = made.length;

    await fastify.inject({ method: 'GET', url: '/items/1' });
    expect(seen).toEqual([
      'request /items/:id',
      'own request',
      'own response',
      'response /items/:id',
    ]);
    seen.length = 0;
    expect((await fastify.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    expect(seen).toEqual(['request unmatched', 'response unmatched']);
    expect(made).toHaveLength(madeAtStart);
    await fastify.close();
  });
});

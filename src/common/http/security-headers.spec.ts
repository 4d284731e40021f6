import { describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { addResponseHeaders, API_HEADERS, NO_STORE, securityHeaders } from './security-headers.js';

const options: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'] },
  },
};

/** What helmet itself writes on a real response. */
function helmetOnAResponse(given: HelmetOptions): Record<string, unknown> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  response.setHeader('x-powered-by', 'something');
  helmet(given)(response.req, response, () => undefined);
  return response.getHeaders();
}

describe(securityHeaders.name, () => {
  it('gives exactly the headers helmet sets on a response', () => {
    expect(securityHeaders(options)).toEqual(helmetOnAResponse(options));
    expect(securityHeaders({})).toEqual(helmetOnAResponse({}));
    expect(securityHeaders({ frameguard: { action: 'deny' }, hsts: false })).toEqual(
      helmetOnAResponse({ frameguard: { action: 'deny' }, hsts: false }),
    );
    expect(securityHeaders(options)['content-security-policy']).toContain("img-src 'self' data:");
  });

  it('refuses a CSP directive computed per request', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } },
      }),
    ).toThrow(/cannot be a function/);
  });
});

describe(addResponseHeaders.name, () => {
  const page = securityHeaders(options);
  const policy = (route: string | undefined) =>
    route === '/page' ? page : route ? API_HEADERS : { ...API_HEADERS, ...NO_STORE };

  it("sets each route's set and the request id on answers, errors and unknown routes alike", async () => {
    const fastify = Fastify({ genReqId: () => 'req-1' });
    addResponseHeaders(fastify, policy);
    fastify.get('/ok', () => ({ ok: true }));
    fastify.get('/fails', () => {
      throw new Error('boom');
    });
    fastify.get('/page', () => 'page');
    const expected: Record<string, Record<string, string>> = {
      '/ok': { ...API_HEADERS },
      '/fails': { ...API_HEADERS },
      '/nowhere': { ...API_HEADERS, ...NO_STORE },
      '/page': { ...page },
    };
    for (const [url, headers] of Object.entries(expected)) {
      const reply = await fastify.inject({ url });
      expect(reply.headers).toMatchObject({ ...headers, 'x-request-id': 'req-1' });
      for (const name of Object.keys({ ...page, ...API_HEADERS, ...NO_STORE })) {
        if (!(name in headers)) expect(reply.headers).not.toHaveProperty(name);
      }
    }
    await fastify.close();
  });

  it("comes before a route's own request hooks, so that an answer one of them ends carries it", async () => {
    const fastify = Fastify({ genReqId: () => 'req-2' });
    addResponseHeaders(fastify, policy);
    fastify.get('/page', {
      onRequest: (_request, reply, done) => {
        void reply.code(401).send({ refused: true });
        done();
      },
      handler: () => 'never',
    });
    const reply = await fastify.inject({ url: '/page' });
    expect(reply.statusCode).toBe(401);
    expect(reply.headers).toMatchObject({ ...page, 'x-request-id': 'req-2' });
    await fastify.close();
  });

  it('asks the policy once per route, not per request', async () => {
    const asked: (string | undefined)[] = [];
    const fastify = Fastify();
    addResponseHeaders(fastify, (route) => (asked.push(route), API_HEADERS));
    fastify.get('/ok', () => ({ ok: true }));
    for (let i = 0; i < 3; i++) await fastify.inject({ url: '/ok' });
    await fastify.inject({ url: '/nowhere' });
    // HEAD /ok is a route of its own.
    expect(asked).toEqual([undefined, '/ok', '/ok']);
    await fastify.close();
  });
});

describe('API_HEADERS', () => {
  it('allow no script, style or framing, and no upgrade of an HTML page', () => {
    expect(API_HEADERS['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(Object.keys(API_HEADERS).sort()).toEqual([
      'content-security-policy',
      'referrer-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-frame-options',
    ]);
  });
});

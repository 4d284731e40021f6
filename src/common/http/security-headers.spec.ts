import { describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { addResponseHeaders, securityHeaders } from './security-headers.js';

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
  it('sets them and the request id on answers, errors and unknown routes alike', async () => {
    const fastify = Fastify({ genReqId: () => 'req-1' });
    addResponseHeaders(fastify, options);
    fastify.get('/ok', () => ({ ok: true }));
    fastify.get('/fails', () => {
      throw new Error('boom');
    });
    const expected = { ...securityHeaders(options), 'x-request-id': 'req-1' };
    for (const url of ['/ok', '/fails', '/nowhere']) {
      const reply = await fastify.inject({ url });
      expect(reply.headers).toMatchObject(expected);
    }
    await fastify.close();
  });
});

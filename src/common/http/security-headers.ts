import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The headers helmet sets for these options, worked out once. Called per request, helmet
 * rebuilds its middlewares and parses the CSP each time (about a tenth of a bearer request's
 * CPU); with options that hold no per-request functions its answer never changes.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const directives =
    typeof options.contentSecurityPolicy === 'object'
      ? Object.values(options.contentSecurityPolicy.directives ?? {})
      : [];
  for (const values of directives) {
    if (values && typeof values === 'object' && [...values].some((v) => typeof v === 'function')) {
      throw new Error('Security headers are computed once: a CSP directive cannot be a function.');
    }
  }
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  // Helmet 8 throws a bad option itself; the callback only says it is done.
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * Sets helmet's headers, and the request id, on every answer (404s and errors too) from one
 * synchronous hook. They go into Fastify's own header list rather than onto the raw response,
 * so that Node writes the head in one pass.
 */
export function addResponseHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeaders(options);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
}

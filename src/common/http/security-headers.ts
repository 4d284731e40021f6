import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hookEveryRoute, type RouteHook } from './route-hooks.js';

export type HeaderSet = Readonly<Record<string, string>>;

/**
 * What a JSON API needs (OWASP REST Security Cheat Sheet): nothing may load, frame or sniff it,
 * and no referrer leaves with a link followed from it. Helmet's defaults are for HTML pages and
 * add about 700 bytes to every answer.
 */
export const API_HEADERS: HeaderSet = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'referrer-policy': 'no-referrer',
});

/**
 * For answers that may hold a token, a secret or a user's personal data (RFC 6749 section 5.1):
 * no cache may keep them; `pragma` for HTTP/1.0 caches.
 */
export const NO_STORE: HeaderSet = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

/**
 * The headers helmet sets for these options, worked out once. Called per request, helmet
 * rebuilds its middlewares and parses the CSP each time (about a tenth of a bearer request's
 * CPU); with options that hold no per-request functions its answer never changes.
 */
export function securityHeaders(options: HelmetOptions): HeaderSet {
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
 * Which headers the answers of one route template get (`undefined` for the not-found handler,
 * which is no route). Asked once per route, when the route is registered.
 */
export type HeaderPolicy = (route: string | undefined) => HeaderSet;

/**
 * Sets each route's headers, and the request id, on every answer (404s and errors too): each
 * route's first request hook already holds the route's set, chosen and merged when the route is
 * registered (hookEveryRoute), so a request costs one copy into Fastify's header list (Node then
 * writes the head in one pass). Call it before any route is registered.
 */
export function addResponseHeaders(fastify: FastifyInstance, policy: HeaderPolicy): void {
  hookEveryRoute(fastify, 'onRequest', 'first', (route) => setHeaders(policy(route)));
}

function setHeaders(headers: HeaderSet): RouteHook {
  return (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  };
}

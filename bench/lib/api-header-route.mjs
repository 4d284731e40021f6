// The header sets the service gives its answers (src/common/http/security-headers.ts, from the
// build in dist), for the floor servers' routes that carry them: each such route gets its set
// from a request hook of its own, with a fresh request id, as the service's routes do
// (addResponseHeaders). `npm run build` first.
import { randomUUID } from 'node:crypto';
import { API_HEADERS, NO_STORE } from '../../dist/src/common/http/security-headers.js';

/** What the public JWKS carries beyond a bare answer; a route's path ends in this. */
export const JWKS_HEADERS_SUFFIX = '-jwks-headers';
/** What `GET /users/me` carries beyond a bare answer. */
export const NO_STORE_HEADERS_SUFFIX = '-no-store-headers';

const sets = [
  [JWKS_HEADERS_SUFFIX, Object.freeze({ ...API_HEADERS, 'cache-control': 'public, max-age=300' })],
  [NO_STORE_HEADERS_SUFFIX, Object.freeze({ ...API_HEADERS, ...NO_STORE })],
];

/** Fastify's onRoute hook: a route whose path ends in a suffix above gets that set. */
export function withApiHeaders(route) {
  const set = sets.find(([suffix]) => route.url.endsWith(suffix))?.[1];
  if (!set) return;
  const own = route.onRequest ?? [];
  route.onRequest = [
    (request, reply, done) => {
      reply.headers(set);
      reply.header('x-request-id', randomUUID());
      done();
    },
    ...(Array.isArray(own) ? own : [own]),
  ];
}

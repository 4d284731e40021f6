import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from './key-ring.service.js';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The public keys, as a Fastify route of its own rather than a Nest controller. The document
 * is public, takes no input and refuses nothing, so Nest's per-request work (guards, pipes,
 * interceptors, the execution context, the response controller) had nothing to do on it, yet
 * measured about a third of the route's time (bench/RESULTS.md). Fastify's hooks still run: the
 * request id, the route's precomputed headers (its `Cache-Control` included) and the metrics.
 * The body is serialized only when the published keys change (KeyRing.jwksDocument).
 */
export function registerJwksRoute(fastify: FastifyInstance, ring: KeyRing): void {
  fastify.get(JWKS_PATH, (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(ring.jwksDocument());
  });
}

/** The route in the OpenAPI document, which Nest's scan of controllers does not see. */
export function documentJwksRoute(document: OpenAPIObject, maxAge: number): OpenAPIObject {
  document.paths[JWKS_PATH] = {
    get: {
      operationId: 'jwks',
      tags: ['auth'],
      summary: 'Public keys that verify access tokens (empty with HS256)',
      description:
        'The next key (published JWT_KEY_PUBLISH_AHEAD seconds before it signs) and every key ' +
        'a live token may carry. Cache it for its max-age; refetch on an unknown kid.',
      parameters: [],
      responses: {
        '200': {
          description: 'The public keys, as a JSON Web Key Set (RFC 7517)',
          headers: {
            'Cache-Control': {
              description: 'Public, for JWKS_MAX_AGE seconds',
              schema: { type: 'string', example: `public, max-age=${maxAge}` },
            },
          },
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { keys: { type: 'array', items: { type: 'object' } } },
                example: {
                  keys: [
                    {
                      kty: 'EC',
                      crv: 'P-256',
                      x: '...',
                      y: '...',
                      kid: '...',
                      alg: 'ES256',
                      use: 'sig',
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
  };
  return document;
}

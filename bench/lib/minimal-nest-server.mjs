// The floor of the stack: a Nest application on the Fastify adapter with one controller route
// and nothing else (no guards, pipes, filters, hooks, logger, database), plus a route added to
// its Fastify instance directly. Both answer the bare route's body (bare-json-server.mjs).
// With BARE_WITH_HEADER_ROUTES=1 (nest-floor.mjs) each has a twin carrying the service's header
// set for its kind of route (api-header-route.mjs; needs the build): the controller route the
// set of `GET /users/me`, the Fastify route that of the JWKS.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BARE_BODY } from './bare-body.mjs';

const withHeaderRoutes = process.env.BARE_WITH_HEADER_ROUTES === '1';
const headers = withHeaderRoutes ? await import('./api-header-route.mjs') : undefined;

class MinimalController {}
const paths = ['controller', ...(headers ? [`controller${headers.NO_STORE_HEADERS_SUFFIX}`] : [])];
for (const [i, path] of paths.entries()) {
  // A function of its own per route: Nest keeps a route's metadata on its handler.
  const method = `get${i}`;
  MinimalController.prototype[method] = () => BARE_BODY;
  Get(path)(
    MinimalController.prototype,
    method,
    Object.getOwnPropertyDescriptor(MinimalController.prototype, method),
  );
}
Controller()(MinimalController);
class MinimalModule {}
Module({ controllers: [MinimalController] })(MinimalModule);

const app = await NestFactory.create(MinimalModule, new FastifyAdapter(), { logger: false });
const fastify = app.getHttpAdapter().getInstance();
// Before any route: Nest registers its controllers' routes when the app listens.
if (headers) fastify.addHook('onRoute', headers.withApiHeaders);
const answer = (_request, reply) => void reply.send(BARE_BODY);
fastify
  .get('/fastify-route', answer)
  // What the harness's waitUntilHealthy asks for.
  .get('/api/v1/health', (_request, reply) => void reply.send({ status: 'ok' }));
if (headers) fastify.get(`/fastify-route${headers.JWKS_HEADERS_SUFFIX}`, answer);
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => void app.close());

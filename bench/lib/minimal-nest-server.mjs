// The floor of the stack: a Nest application on the Fastify adapter with one controller route
// and nothing else (no guards, pipes, filters, hooks, logger, database), plus a route added to
// its Fastify instance directly. Both answer the bare route's body (bare-json-server.mjs).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BARE_BODY } from './bare-body.mjs';

class MinimalController {
  get() {
    return BARE_BODY;
  }
}
Get('controller')(
  MinimalController.prototype,
  'get',
  Object.getOwnPropertyDescriptor(MinimalController.prototype, 'get'),
);
Controller()(MinimalController);
class MinimalModule {}
Module({ controllers: [MinimalController] })(MinimalModule);

const app = await NestFactory.create(MinimalModule, new FastifyAdapter(), { logger: false });
app
  .getHttpAdapter()
  .getInstance()
  .get('/fastify-route', (_request, reply) => void reply.send(BARE_BODY))
  // What the harness's waitUntilHealthy asks for.
  .get('/api/v1/health', (_request, reply) => void reply.send({ status: 'ok' }));
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => void app.close());

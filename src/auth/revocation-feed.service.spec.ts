import { describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { HttpAdapterHost } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { Environment } from '../config/environment.js';
import type { Freshness } from './freshness.js';
import { RevocationFeed } from './revocation-feed.service.js';

type OnSend = (
  request: { method: string },
  reply: unknown,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
) => void;

/** A feed on a Fastify stand-in that only keeps the hooks given to it. */
function feedWithHooks() {
  const hooks: Record<string, OnSend> = {};
  const fastify = { addHook: (name: string, hook: OnSend) => (hooks[name] = hook) };
  const adapterHost = { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost;
  const config = { get: () => 900 } as unknown as ConfigService<Environment, true>;
  const feed = new RevocationFeed({} as DataSource, config, adapterHost);
  const freshness = (feed as unknown as { freshness: Freshness }).freshness;
  const written = jest.spyOn(freshness, 'written');
  feed.onModuleInit();
  return { send: hooks.onSend, written };
}

describe(RevocationFeed.name, () => {
  it.each(['POST', 'PATCH', 'PUT', 'DELETE'])(
    'marks an answer to %s as a write before it goes out, passing the payload on',
    (method) => {
      const { send, written } = feedWithHooks();
      const done = jest.fn();
      send({ method }, {}, '{"ok":true}', done);
      expect(written).toHaveBeenCalledTimes(1);
      expect(done).toHaveBeenCalledWith(null, '{"ok":true}');
    },
  );

  it.each(['GET', 'HEAD', 'OPTIONS'])('does not mark an answer to %s', (method) => {
    const { send, written } = feedWithHooks();
    const done = jest.fn();
    send({ method }, {}, 'body', done);
    expect(written).not.toHaveBeenCalled();
    expect(done).toHaveBeenCalledWith(null, 'body');
  });

  it('answers nothing from memory before it has loaded the state', async () => {
    const config = { get: () => 900 } as unknown as ConfigService<Environment, true>;
    await expect(new RevocationFeed({} as DataSource, config).sync()).resolves.toBe(false);
  });
});

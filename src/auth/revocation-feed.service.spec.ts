import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { HttpAdapterHost } from '@nestjs/core';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { within } from '../../test/support/poll.js';
import type { Environment } from '../config/environment.js';
import type { Freshness } from './freshness.js';
import { AUTH_STATE_CHANNEL, RevocationFeed } from './revocation-feed.service.js';

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

const config = { get: () => 900 } as unknown as ConfigService<Environment, true>;
const dataSource = { options: {} } as unknown as DataSource;

/**
 * A listening connection that answers every query with no rows, and can be told to wait
 * before it connects and to deliver a notification with the answer to a given query (as
 * PostgreSQL delivers those committed during a transaction when it ends).
 */
class ScriptedConnection extends EventEmitter {
  private opened = Promise.resolve();
  open: () => void = () => undefined;
  private readonly notices = new Map<string, object>();

  holdConnect(): this {
    this.opened = new Promise((resolve) => (this.open = resolve));
    return this;
  }

  notifyWith(sql: string, notice: object): this {
    this.notices.set(sql, notice);
    return this;
  }

  connect(): Promise<void> {
    return this.opened;
  }

  async query(sql: string): Promise<{ rows: unknown[] }> {
    await this.opened;
    const notice = this.notices.get(sql);
    if (notice) {
      this.emit('notification', { channel: AUTH_STATE_CHANNEL, payload: JSON.stringify(notice) });
    }
    return { rows: [] };
  }

  end(): Promise<void> {
    return Promise.resolve();
  }
}

/** A feed whose connections are the given scripted ones, in order. */
class ScriptedFeed extends RevocationFeed {
  readonly opened: ScriptedConnection[] = [];

  constructor(private readonly script: ScriptedConnection[]) {
    super(dataSource, config);
  }

  protected override openConnection(): pg.Client {
    const next = this.script.shift() ?? new ScriptedConnection();
    this.opened.push(next);
    return next as unknown as pg.Client;
  }
}

describe(RevocationFeed.name, () => {
  let feed: ScriptedFeed | undefined;
  afterEach(async () => {
    await feed?.onApplicationShutdown();
    feed = undefined;
  });

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
    await expect(new RevocationFeed(dataSource, config).sync()).resolves.toBe(false);
  });

  it('answers from memory once loaded and confirmed by a round trip', async () => {
    feed = new ScriptedFeed([]);
    await feed.onApplicationBootstrap();
    expect(feed.live).toBe(true);
    await expect(feed.sync()).resolves.toBe(true);
  });

  it('answers nothing from memory after a TRUNCATE committed during its load, until loaded again', async () => {
    const next = new ScriptedConnection().holdConnect();
    feed = new ScriptedFeed([
      new ScriptedConnection().notifyWith('COMMIT', { kind: 'reset' }),
      next,
    ]);
    await feed.onApplicationBootstrap();
    expect(feed.live).toBe(false);

    // The next connection is made but has not loaded: its round trips prove nothing.
    const reconnecting = feed;
    await within(2000, () => Promise.resolve(reconnecting.opened.length === 2), { every: 10 });
    const answer = feed.sync();
    next.open();
    await expect(answer).resolves.toBe(false);

    await within(2000, () => Promise.resolve(reconnecting.live), { every: 10 });
    await expect(feed.sync()).resolves.toBe(true);
  });
});

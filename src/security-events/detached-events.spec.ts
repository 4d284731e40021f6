import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { automock, StrictMock } from '../../test/support/strict-mock.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import {
  DETACHED_BATCH,
  DETACHED_QUEUE_LIMIT,
  DetachedEvents,
  REPEATED_KEYS_LIMIT,
} from './detached-events.js';
import { SecurityEventRow, SecurityEventsRepository } from './security-events.repository.js';

const row = (type = 'auth.login.failed', details = {}): SecurityEventRow => ({
  type,
  userId: null,
  actorId: null,
  sessionId: null,
  ip: '203.0.113.7',
  userAgent: 'curl/8.5',
  requestId: 'req-1',
  details,
});

describe(DetachedEvents.name, () => {
  let sut: DetachedEvents | undefined;
  let registry: Registry;

  function build(): { sut: DetachedEvents; events: StrictMock<SecurityEventsRepository> } {
    const events = automock(SecurityEventsRepository);
    registry = new Registry();
    const metrics = {
      gauge: () => undefined,
      counter: (name: string, help: string, labelNames: string[]) =>
        new Counter({ name, help, labelNames, registers: [registry] }),
    } as unknown as MetricsService;
    sut = new DetachedEvents(events, metrics);
    return { sut, events };
  }

  const dropped = async (type: string, reason: string) => {
    const metric = await registry.getSingleMetric('security_events_dropped_total')!.get();
    return (
      metric.values.find((value) => value.labels.type === type && value.labels.reason === reason)
        ?.value ?? 0
    );
  };

  afterEach(() => {
    sut?.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('writes queued rows in batches, one INSERT at a time', async () => {
    const { sut, events } = build();
    const batches: number[] = [];
    let concurrent = 0;
    let mostConcurrent = 0;
    events.insertMany.mockImplementation(async (rows) => {
      concurrent += 1;
      mostConcurrent = Math.max(mostConcurrent, concurrent);
      await new Promise((resolve) => setImmediate(resolve));
      batches.push(rows.length);
      concurrent -= 1;
    });

    for (let i = 0; i < DETACHED_BATCH * 2 + 5; i++) sut.add(row());
    await sut.flush();

    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(DETACHED_BATCH * 2 + 5);
    expect(Math.max(...batches)).toBeLessThanOrEqual(DETACHED_BATCH);
    expect(mostConcurrent).toBe(1);
  });

  it(`keeps at most ${DETACHED_QUEUE_LIMIT} rows waiting; counts and logs the others`, async () => {
    const { sut, events } = build();
    let release!: () => void;
    events.insertMany.mockImplementation((rows) =>
      new Promise<void>((resolve) => (release = resolve)).then(() => void rows),
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    // A database that hangs: the writer holds its first batch, and the rest piles up.
    sut.add(row());
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < DETACHED_QUEUE_LIMIT + 7; i++) sut.add(row());

    expect(await dropped('auth.login.failed', 'queue_full')).toBe(7);
    sut.tick();
    expect(warn).toHaveBeenCalledWith(
      { dropped: { 'auth.login.failed queue_full': 7 } },
      expect.stringContaining('dropped'),
    );
    events.insertMany.mockResolvedValue(undefined);
    release();
    await sut.flush();
  });

  it('counts and logs the rows of a batch the database refused', async () => {
    const { sut, events } = build();
    events.insertMany.mockRejectedValueOnce(new Error('timeout exceeded when trying to connect'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    sut.add(row());
    sut.add(row('auth.rate_limited'));
    await sut.flush();

    expect(await dropped('auth.login.failed', 'write_failed')).toBe(1);
    expect(await dropped('auth.rate_limited', 'write_failed')).toBe(1);
    expect(warn).toHaveBeenCalledWith(
      { lost: 2, types: ['auth.login.failed', 'auth.rate_limited'] },
      expect.stringContaining('timeout exceeded'),
    );
  });

  it('writes repeats once per key and period, with their count, when the period is over', async () => {
    const { sut, events } = build();
    events.insertMany.mockResolvedValue(undefined);
    const first = row('auth.rate_limited', { bucket: 'login' });

    sut.repeat('a', 61_000, first, 1_000);
    sut.repeat('a', 61_500, row('auth.rate_limited', { bucket: 'other' }), 1_500);
    sut.repeat('a', 62_000, row('auth.rate_limited'), 2_000);
    sut.repeat('b', 61_000, row('auth.rate_limited', { bucket: 'auth' }), 1_000);
    sut.tick(60_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.insertMany).not.toHaveBeenCalled();

    sut.tick(61_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.insertMany).toHaveBeenCalledWith([
      {
        ...first,
        at: new Date(1_000),
        details: { bucket: 'login', count: 3, lastAt: new Date(2_000).toISOString() },
      },
      expect.objectContaining({ details: expect.objectContaining({ bucket: 'auth', count: 1 }) }),
    ]);

    // A repeat after the period starts a new count.
    sut.repeat('a', 122_000, row('auth.rate_limited', { bucket: 'login' }), 62_000);
    await sut.flush();
    expect(events.insertMany).toHaveBeenLastCalledWith([
      expect.objectContaining({
        at: new Date(62_000),
        details: expect.objectContaining({ count: 1 }),
      }),
    ]);
  });

  it(`counts at most ${REPEATED_KEYS_LIMIT} keys at once; a new key past it is dropped`, async () => {
    const { sut, events } = build();
    events.insertMany.mockResolvedValue(undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    for (let i = 0; i <= REPEATED_KEYS_LIMIT; i++) {
      sut.repeat(`key-${i}`, 60_000, row('auth.rate_limited'), 1_000);
    }
    sut.repeat('key-0', 60_000, row('auth.rate_limited'), 1_001);

    expect(await dropped('auth.rate_limited', 'too_many_keys')).toBe(1);
    await sut.flush();
    const written = events.insertMany.mock.calls.flatMap(([rows]) => rows);
    expect(written).toHaveLength(REPEATED_KEYS_LIMIT);
    expect(written.reduce((sum, r) => sum + Number(r.details.count), 0)).toBe(
      REPEATED_KEYS_LIMIT + 1,
    );
  });

  it('writes what is counted and queued before the application shuts down', async () => {
    const { sut, events } = build();
    events.insertMany.mockResolvedValue(undefined);
    sut.repeat('a', Date.now() + 60_000, row('auth.rate_limited'));
    sut.add(row());

    await sut.beforeApplicationShutdown();

    const written = events.insertMany.mock.calls.flatMap(([rows]) => rows);
    expect(written.map((r) => r.type).sort()).toEqual(['auth.login.failed', 'auth.rate_limited']);
  });
});

import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SharedRoundTrip } from './shared-round-trip.js';

/** A round trip the test answers by hand, recording when each one started. */
function manualTrips() {
  const started: { answer: (ok: boolean) => void; fail: (error: Error) => void }[] = [];
  const trips = new SharedRoundTrip(
    () =>
      new Promise<boolean>((resolve, reject) => {
        started.push({ answer: resolve, fail: reject });
      }),
  );
  return { trips, started };
}

describe(SharedRoundTrip.name, () => {
  it('starts one trip for the callers of one turn, after the turn', async () => {
    const { trips, started } = manualTrips();
    const waits = [trips.wait(), trips.wait(), trips.wait()];
    expect(started).toHaveLength(0);
    await nextTurn();
    expect(started).toHaveLength(1);
    started[0].answer(true);
    await expect(Promise.all(waits)).resolves.toEqual([true, true, true]);
  });

  it('gives a caller who asks during a trip the next trip, never the one in flight', async () => {
    const { trips, started } = manualTrips();
    const first = trips.wait();
    await nextTurn();
    const late = [trips.wait(), trips.wait()];
    let lateSettled = false;
    void Promise.all(late).then(() => (lateSettled = true));
    started[0].answer(true);
    await expect(first).resolves.toBe(true);
    await nextTurn();
    expect(lateSettled).toBe(false);
    expect(started).toHaveLength(2);
    started[1].answer(false);
    await expect(Promise.all(late)).resolves.toEqual([false, false]);
  });

  it('answers false for a trip that fails or throws, and goes on', async () => {
    const { trips, started } = manualTrips();
    const failed = trips.wait();
    await nextTurn();
    started[0].fail(new Error('connection lost'));
    await expect(failed).resolves.toBe(false);

    let calls = 0;
    const throwing = new SharedRoundTrip(() => {
      calls += 1;
      if (calls === 1) throw new Error('no client');
      return Promise.resolve(true);
    });
    await expect(throwing.wait()).resolves.toBe(false);
    await expect(throwing.wait()).resolves.toBe(true);
    expect(calls).toBe(2);
  });

  it('starts no trip while nobody waits', async () => {
    const { trips, started } = manualTrips();
    const one = trips.wait();
    await nextTurn();
    started[0].answer(true);
    await one;
    await nextTurn();
    await nextTurn();
    expect(started).toHaveLength(1);
  });
});

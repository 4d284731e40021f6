import { describe, expect, it } from '@jest/globals';
import { Freshness } from './freshness.js';

/** A Freshness of 250 ms on a clock the test moves by hand. */
function clocked() {
  let now = 1_000;
  const freshness = new Freshness(250, () => now);
  return { freshness, advance: (ms: number) => (now += ms), at: () => now };
}

describe(Freshness.name, () => {
  it('proves nothing before a round trip has come back', () => {
    const { freshness } = clocked();
    expect(freshness.verdict()).toBe('stale');
  });

  it('answers from memory while the newest trip that came back started under the age bound', () => {
    const { freshness, advance, at } = clocked();
    freshness.confirmed(at());
    expect(freshness.verdict()).toBe('fresh');
    advance(125);
    expect(freshness.verdict()).toBe('fresh');
    advance(1);
    expect(freshness.verdict()).toBe('fresh-refresh');
    advance(124);
    expect(freshness.verdict()).toBe('fresh-refresh');
    advance(1);
    expect(freshness.verdict()).toBe('stale');
  });

  it('counts a trip from when it started, not from when it came back', () => {
    const { freshness, advance, at } = clocked();
    const startedAt = at();
    advance(200);
    freshness.confirmed(startedAt);
    expect(freshness.verdict()).toBe('fresh-refresh');
    advance(51);
    expect(freshness.verdict()).toBe('stale');
  });

  it('keeps the newest proof when trips come back out of order', () => {
    const { freshness, advance, at } = clocked();
    const older = at();
    advance(100);
    const newer = at();
    freshness.confirmed(newer);
    freshness.confirmed(older);
    advance(200);
    expect(freshness.verdict()).toBe('fresh-refresh');
  });

  it('makes the next request wait for a trip that starts after a write this instance answered', () => {
    const { freshness, advance, at } = clocked();
    freshness.confirmed(at());
    advance(10);
    freshness.written();
    expect(freshness.verdict()).toBe('stale');
    // A trip that started at the same moment as the write does not count: it may not see it.
    freshness.confirmed(at());
    expect(freshness.verdict()).toBe('stale');
    advance(1);
    freshness.confirmed(at());
    expect(freshness.verdict()).toBe('fresh');
  });

  it('forgets every proof when the state is lost', () => {
    const { freshness, at } = clocked();
    freshness.confirmed(at());
    freshness.forget();
    expect(freshness.verdict()).toBe('stale');
  });
});

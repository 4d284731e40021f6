import { describe, expect, it } from '@jest/globals';
import { serializeAnswer, serializeOnce } from './answer-body.js';

/** A body that counts how often it is turned into JSON (in a counter of its own: it is frozen). */
function counted(values: Record<string, unknown>) {
  const count = { serialized: 0 };
  const body = {
    toJSON() {
      count.serialized += 1;
      return values;
    },
  };
  return { body, count };
}

describe(serializeAnswer.name, () => {
  it.each([
    ['an object', { a: 1, b: 'two', c: null, d: true }],
    ['an array', [1, 'two', null]],
    ['a string', 'text'],
    ['a number', 42],
    ['null', null],
  ])('writes %s as JSON.stringify does', (_name, payload) => {
    expect(serializeAnswer(payload)).toBe(JSON.stringify(payload));
  });

  it('serializes a body marked with serializeOnce at its first answer only', () => {
    const { body, count } = counted({ id: 'user-1' });
    const marked = serializeOnce(body);
    expect(count.serialized).toBe(0);
    expect(serializeAnswer(marked)).toBe('{"id":"user-1"}');
    expect(serializeAnswer(marked)).toBe('{"id":"user-1"}');
    expect(count.serialized).toBe(1);
    expect(Object.isFrozen(marked)).toBe(true);
    expect(Object.getPrototypeOf(marked)).toBeNull();
  });

  it('serializes any other body on every answer, as it is then', () => {
    const body = { name: 'Ada' };
    expect(serializeAnswer(body)).toBe('{"name":"Ada"}');
    body.name = 'Grace';
    expect(serializeAnswer(body)).toBe('{"name":"Grace"}');
  });
});

import { describe, expect, it } from '@jest/globals';
import { inspectJson, MAX_JSON_DEPTH } from './json-shape.js';

const nested = (levels: number, leaf: unknown = 'x'): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe(inspectJson.name, () => {
  it('passes flat and shallow data', () => {
    expect(inspectJson({ email: 'ada@example.com', n: 1, ok: true, none: null })).toEqual([]);
    expect(inspectJson({ emoji: 'a\ud83d\ude00b' })).toEqual([]);
    expect(inspectJson({ deep: nested(MAX_JSON_DEPTH - 1) })).toEqual([]);
    expect(inspectJson(undefined)).toEqual([]);
  });

  it('names the top field of data nested too deeply, without recursing', () => {
    expect(inspectJson({ deep: nested(MAX_JSON_DEPTH) })).toEqual([
      { field: 'deep', message: `deep is nested more than ${MAX_JSON_DEPTH} levels deep` },
    ]);
    expect(inspectJson({ deep: nested(100_000) })).toHaveLength(1);
  });

  it('names unpaired surrogates in values, at any depth, and in keys', () => {
    expect(inspectJson({ email: '\ud800@example.com', q: 'fine' })).toEqual([
      { field: 'email', message: 'email must not contain unpaired surrogates' },
    ]);
    expect(inspectJson({ tags: ['ok', 'a\udc00'] })).toEqual([
      { field: 'tags[1]', message: 'tags[1] must not contain unpaired surrogates' },
    ]);
    expect(inspectJson({ 'k\ud800': 1 })).toEqual([
      { field: 'k\ud800', message: 'property names must not contain unpaired surrogates' },
    ]);
  });

  it('refuses keys that name Object internals as unknown fields', () => {
    const parsed = JSON.parse(
      '{"__proto__":{"role":"admin"},"constructor":{},"a":{"prototype":1}}',
    );
    expect(inspectJson(parsed)).toEqual(
      expect.arrayContaining([
        { field: '__proto__', message: 'property __proto__ should not exist' },
        { field: 'constructor', message: 'property constructor should not exist' },
        { field: 'a.prototype', message: 'property a.prototype should not exist' },
      ]),
    );
  });
});

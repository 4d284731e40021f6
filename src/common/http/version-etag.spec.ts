import { describe, expect, it } from '@jest/globals';
import { Problem } from '../errors/problem.js';
import { ifMatchVersions, versionEtag } from './version-etag.js';

describe(versionEtag.name, () => {
  it('is the version in quotes: a strong validator, new with every version', () => {
    expect(versionEtag(1)).toBe('"1"');
    expect(versionEtag(42)).toBe('"42"');
  });
});

describe(ifMatchVersions.name, () => {
  it.each([
    [undefined, undefined],
    ['*', undefined],
    [' * ', undefined],
    ['"3"', [3]],
    ['"1", "2"', [1, 2]],
    ['"1","2"', [1, 2]],
    [' , "5" ,, ', [5]],
    ['W/"3"', []],
    ['W/"3", "4"', [4]],
    ['"7", W/"8"', [7]],
    ['"a,b", "6"', [6]],
    ['"03"', []],
    ['"0"', []],
    ['"v3"', []],
    ['""', []],
    ['"1e1"', []],
    ['"2147483647"', [2147483647]],
    ['"2147483648"', []],
    ['', []],
  ])('reads %p as the condition %p', (header, versions) => {
    expect(ifMatchVersions(header)).toEqual(versions);
  });

  it.each(['3', '"3', '3"', '*, "3"', '"3", *', 'W/3', 'w/"3"', '"3" "4"', "'3'", '"3"x', '" 3"'])(
    'refuses the malformed %p with 400 naming If-Match',
    (header) => {
      expect(() => ifMatchVersions(header)).toThrow(
        expect.objectContaining({
          problem: Problem.ValidationFailed,
          options: expect.objectContaining({
            errors: [expect.objectContaining({ field: 'If-Match' })],
          }),
        }),
      );
    },
  );
});

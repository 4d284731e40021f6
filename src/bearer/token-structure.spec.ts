import { describe, expect, it } from '@jest/globals';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { hasDuplicateMembers, readTokenHeader } from './token-structure.js';

const part = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const token = (header: string, payload = '{"sub":"x"}') => `${part(header)}.${part(payload)}.sig`;

function problemOf(read: () => unknown): Problem | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as AppException).problem;
  }
}

describe(readTokenHeader.name, () => {
  it('reads the kid of a well-formed token', () => {
    expect(readTokenHeader(token('{"alg":"HS256","typ":"at+jwt","kid":"k1"}'))).toEqual({
      kid: 'k1',
    });
    expect(readTokenHeader(token('{"alg":"HS256"}'))).toEqual({ kid: undefined });
  });

  it.each([
    ['a crit naming an unknown extension', '{"alg":"HS256","crit":["exp-x"],"exp-x":1}'],
    ['an empty crit', '{"alg":"HS256","crit":[]}'],
    ['b64 false (RFC 7797)', '{"alg":"HS256","b64":false,"crit":["b64"]}'],
    ['b64 without crit', '{"alg":"HS256","b64":false}'],
    ['a header member named twice', '{"alg":"HS256","alg":"none"}'],
    ['a kid named twice', '{"alg":"HS256","kid":"a","kid":"b"}'],
    ['a name repeated through an escape', '{"alg":"HS256","k\\u0069d":"a","kid":"b"}'],
    ['a kid that is not a string', '{"alg":"HS256","kid":1}'],
    ['a header that is not an object', '["alg"]'],
  ])('refuses %s', (_, header) => {
    expect(problemOf(() => readTokenHeader(token(header)))).toBe(Problem.TokenInvalid);
  });

  it.each([
    ['a payload member named twice', '{"sub":"a","sub":"b"}'],
    ['an exp named twice', '{"exp":1,"exp":99999999999}'],
    ['a payload that is not JSON', '{"sub":'],
  ])('refuses %s', (_, payload) => {
    expect(problemOf(() => readTokenHeader(token('{"alg":"HS256"}', payload)))).toBe(
      Problem.TokenInvalid,
    );
  });

  it('refuses what is not three base64url parts', () => {
    for (const bad of ['a.b', 'a.b.c.d', 'a+b.c.d', '']) {
      expect(problemOf(() => readTokenHeader(bad))).toBe(Problem.TokenInvalid);
    }
  });
});

describe(hasDuplicateMembers.name, () => {
  it('looks into nested objects, not across them, and not into strings', () => {
    expect(hasDuplicateMembers('{"a":{"b":1,"b":2}}')).toBe(true);
    expect(hasDuplicateMembers('{"a":{"b":1},"b":2}')).toBe(false);
    expect(hasDuplicateMembers('{"a":[{"b":1},{"b":2}]}')).toBe(false);
    expect(hasDuplicateMembers('{"a":"\\",\\"a\\":","b":["a","a"]}')).toBe(false);
    expect(hasDuplicateMembers('{"a":1,"b":{},"a":2}')).toBe(true);
  });
});

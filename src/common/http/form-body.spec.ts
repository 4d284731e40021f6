import { describe, expect, it } from '@jest/globals';
import { parseFormBody } from './form-body.js';

describe('parseFormBody', () => {
  it('reads fields as RFC 7009 and RFC 7662 clients send them', () => {
    expect(parseFormBody('token=a%2Bb.c&token_type_hint=refresh_token&client_id=my+app')).toEqual({
      token: 'a+b.c',
      token_type_hint: 'refresh_token',
      client_id: 'my app',
    });
    expect(parseFormBody('')).toEqual({});
  });

  it('keeps a repeated field as all its values, for validation to refuse', () => {
    expect(parseFormBody('token=a&token=b&token=c')).toEqual({ token: ['a', 'b', 'c'] });
  });

  it('makes __proto__ a field like any other, never the prototype', () => {
    const fields = parseFormBody('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import { extractBearerToken } from './bearer-token.js';

describe(extractBearerToken.name, () => {
  it('takes the token of an Authorization Bearer header, any case of the scheme', () => {
    expect(extractBearerToken({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(extractBearerToken({ authorization: 'bearer   abc' })).toBe('abc');
  });

  it('falls back to x-access-token', () => {
    expect(extractBearerToken({ 'x-access-token': ' abc ' })).toBe('abc');
  });

  it('prefers Authorization when both are sent', () => {
    expect(extractBearerToken({ authorization: 'Bearer one', 'x-access-token': 'two' })).toBe(
      'one',
    );
  });

  it('finds no token for Basic, an empty Bearer or nothing', () => {
    expect(extractBearerToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(extractBearerToken({ authorization: 'Bearer ' })).toBeUndefined();
    expect(extractBearerToken({ authorization: 'Bearer a b' })).toBeUndefined();
    expect(extractBearerToken({})).toBeUndefined();
    expect(extractBearerToken({ 'x-access-token': '' })).toBeUndefined();
  });
});

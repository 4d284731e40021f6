import { describe, expect, it } from '@jest/globals';
import { extractBearerToken, fromBearerHeader, rememberedTokenCandidate } from './bearer-token.js';

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

const LONG = 'eyJhbGciOiJIUzI1NiJ9.'.padEnd(400, 'x') + '.sig-_';
// Every character `\s` matches, and two it does not (NEL, zero-width space).
const SPACES = [...'\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'];
const AUTHORIZATIONS = [
  undefined,
  '',
  'Bearer abc',
  'bearer abc',
  'BEARER\tabc',
  'Bearer  \t abc',
  `Bearer ${LONG}`,
  '  Bearer abc  ',
  'Bearer',
  'Bearer ',
  'Bearerabc',
  'Bearer a b',
  'Bearer abc\u0085',
  'Bearer a\u200bb',
  'Basic abc',
  'Bear abc',
  ...SPACES.flatMap((space) => [`Bearer${space}abc`, `Bearer a${space}b`, `Bearer abc${space}`]),
];

describe(fromBearerHeader.name, () => {
  it.each(AUTHORIZATIONS.filter((value) => value !== undefined))(
    'reads %j as /^Bearer\\s+(\\S+)$/i does after trim()',
    (authorization) => {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      expect(fromBearerHeader({ headers: { authorization } })).toBe(match ? match[1] : null);
    },
  );
});

describe(rememberedTokenCandidate.name, () => {
  const REQUESTS = AUTHORIZATIONS.flatMap((authorization) =>
    [undefined, ' legacy '].map((legacy) => ({
      headers: {
        ...(authorization === undefined ? {} : { authorization }),
        ...(legacy === undefined ? {} : { 'x-access-token': legacy }),
      },
    })),
  );

  it.each(REQUESTS)(
    'finds the token %j has, or no token, or one that holds whitespace',
    (request) => {
      const token = extractBearerToken(request.headers);
      const candidate = rememberedTokenCandidate(request);
      if (token !== undefined && !/\s/.test(token)) {
        // Whatever the extractor takes and a verified token could be, the look-up finds.
        if (candidate !== token) expect(candidate).toMatch(/\s/);
      } else {
        // No token, or one no verification would pass: never found among verified ones.
        expect(candidate === null || /\s/.test(candidate)).toBe(true);
      }
    },
  );

  it('takes what the extractor takes for a well-formed header', () => {
    for (const authorization of ['Bearer abc', 'bearer \t abc', `Bearer ${LONG}`, ' Bearer abc ']) {
      const request = { headers: { authorization } };
      expect(rememberedTokenCandidate(request)).toBe(extractBearerToken(request.headers));
    }
    expect(rememberedTokenCandidate({ headers: { 'x-access-token': ' abc ' } })).toBe('abc');
  });
});

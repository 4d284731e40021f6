import { describe, expect, it } from '@jest/globals';
import { Secret } from 'otpauth';
import {
  generateRecoveryCode,
  generateTotpSecret,
  looksLikeTotpCode,
  matchTotpCode,
  normalizeRecoveryCode,
  totpStep,
  totpUri,
} from './totp.js';

// RFC 6238, appendix B: the SHA-1 seed, and the 8-digit codes whose last 6 digits are ours.
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;
const RFC_VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

describe('TOTP', () => {
  it.each(RFC_VECTORS)('matches the RFC 6238 code at T=%i', (seconds, code) => {
    const at = seconds * 1000;
    expect(matchTotpCode(RFC_SECRET, code, at)).toBe(totpStep(at));
  });

  it('accepts one step of skew either way, and names the step the code belongs to', () => {
    const at = 1234567890 * 1000;
    const step = totpStep(at);
    expect(matchTotpCode(RFC_SECRET, '005924', at + 30_000)).toBe(step);
    expect(matchTotpCode(RFC_SECRET, '005924', at - 30_000)).toBe(step);
    expect(matchTotpCode(RFC_SECRET, '005924', at + 60_000)).toBeNull();
    expect(matchTotpCode(RFC_SECRET, '005924', at - 60_000)).toBeNull();
  });

  it('refuses malformed codes, and reads a code typed in two groups', () => {
    const at = 59_000;
    for (const code of ['', '28708', '2870822', 'abcdef', '28708x', '２８７０８２']) {
      expect(matchTotpCode(RFC_SECRET, code, at)).toBeNull();
    }
    expect(matchTotpCode(RFC_SECRET, '287 082', at)).toBe(totpStep(at));
    expect(looksLikeTotpCode('287 082')).toBe(true);
    expect(looksLikeTotpCode('abcd-efgh-ijkm')).toBe(false);
  });

  it('makes 160-bit base32 secrets and an otpauth URI with issuer and account', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(secret, 'Example', 'ada@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Example:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Example',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('recovery codes', () => {
  it('are 12 characters of an unambiguous alphabet in three groups, all different', () => {
    const codes = Array.from({ length: 200 }, generateRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){2}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('are read ignoring case, dashes and spaces', () => {
    expect(normalizeRecoveryCode(' K7QD-3mzx 9hpa ')).toBe('k7qd3mzx9hpa');
  });
});

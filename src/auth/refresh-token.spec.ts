import { describe, expect, it } from '@jest/globals';
import { exportPKCS8, generateKeyPair } from 'jose';
import {
  deriveSuccessor,
  findCurrentDescendant,
  generateRefreshToken,
  hashRefreshToken,
  isWithinReuseGrace,
  MAX_CHAIN_STEPS,
  successorKey,
} from './refresh-token.js';

const hs256 = (secret: string) =>
  successorKey({ JWT_ALGORITHM: 'HS256', JWT_SECRET: secret, JWT_PRIVATE_KEY: undefined });
const key = hs256('a-secret-that-is-long-enough-for-hs256');

/** The chain a login token starts: token, its successor, the successor's successor, ... */
function chain(first: string, length: number): string[] {
  const tokens = [first];
  while (tokens.length < length) tokens.push(deriveSuccessor(key, tokens[tokens.length - 1]));
  return tokens;
}

describe('refresh tokens', () => {
  it('carry 256 random bits, base64url', () => {
    const token = generateRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(generateRefreshToken()).not.toBe(token);
  });

  it('are stored as their SHA-256 hash, in hex', () => {
    const token = generateRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashRefreshToken(token));
  });
});

describe(deriveSuccessor.name, () => {
  it('gives 256 bits, base64url, the same for the same token and key', () => {
    const token = generateRefreshToken();
    const successor = deriveSuccessor(key, token);
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(successor, 'base64url')).toHaveLength(32);
    expect(deriveSuccessor(key, token)).toBe(successor);
    expect(successor).not.toBe(token);
  });

  it('depends on the token and on the server key', () => {
    const token = generateRefreshToken();
    expect(deriveSuccessor(key, generateRefreshToken())).not.toBe(deriveSuccessor(key, token));
    const otherKey = hs256('another-secret-that-is-long-enough-too');
    expect(deriveSuccessor(otherKey, token)).not.toBe(deriveSuccessor(key, token));
  });
});

describe(successorKey.name, () => {
  it('is 256 bits from HKDF over the HS256 secret, never the secret itself', () => {
    const secret = 'a-secret-that-is-long-enough-for-hs256';
    expect(hs256(secret)).toHaveLength(32);
    expect(hs256(secret).equals(key)).toBe(true);
    expect(hs256(secret).equals(Buffer.from(secret, 'utf8').subarray(0, 32))).toBe(false);
    expect(hs256(`${secret}!`).equals(key)).toBe(false);
  });

  it.each(['ES256', 'RS256'] as const)(
    'with %s comes from the private key, whatever its PEM line breaks',
    async (alg) => {
      const pair = await generateKeyPair(alg, { extractable: true });
      const pem = await exportPKCS8(pair.privateKey);
      const derived = successorKey({
        JWT_ALGORITHM: alg,
        JWT_SECRET: undefined,
        JWT_PRIVATE_KEY: pem,
      });
      expect(derived).toHaveLength(32);
      const rewrapped = pem.replace(/\n/g, '\r\n');
      expect(
        successorKey({ JWT_ALGORITHM: alg, JWT_SECRET: undefined, JWT_PRIVATE_KEY: rewrapped }),
      ).toEqual(derived);
      const other = await exportPKCS8(
        (await generateKeyPair(alg, { extractable: true })).privateKey,
      );
      expect(
        successorKey({ JWT_ALGORITHM: alg, JWT_SECRET: undefined, JWT_PRIVATE_KEY: other }),
      ).not.toEqual(derived);
    },
  );

  it('names the variable when there is no usable key', () => {
    expect(() =>
      successorKey({ JWT_ALGORITHM: 'ES256', JWT_SECRET: undefined, JWT_PRIVATE_KEY: 'pem' }),
    ).toThrow(/JWT_PRIVATE_KEY/);
    expect(() => hs256('')).toThrow(/JWT_SECRET/);
  });
});

describe(findCurrentDescendant.name, () => {
  it('walks from a retired token to the current one', () => {
    const tokens = chain(generateRefreshToken(), 5);
    const currentHash = hashRefreshToken(tokens[4]);
    expect(findCurrentDescendant(key, tokens[3], currentHash)).toBe(tokens[4]);
    expect(findCurrentDescendant(key, tokens[0], currentHash)).toBe(tokens[4]);
  });

  it('finds nothing for the current token itself, another chain, or another key', () => {
    const tokens = chain(generateRefreshToken(), 3);
    const currentHash = hashRefreshToken(tokens[2]);
    expect(findCurrentDescendant(key, tokens[2], currentHash)).toBeUndefined();
    expect(findCurrentDescendant(key, generateRefreshToken(), currentHash)).toBeUndefined();
    const otherKey = hs256('another-secret-that-is-long-enough-too');
    expect(findCurrentDescendant(otherKey, tokens[0], currentHash)).toBeUndefined();
  });

  it('stops after the given number of rotations', () => {
    const tokens = chain(generateRefreshToken(), MAX_CHAIN_STEPS + 2);
    const last = tokens[tokens.length - 1];
    expect(findCurrentDescendant(key, tokens[1], hashRefreshToken(last))).toBe(last);
    expect(findCurrentDescendant(key, tokens[0], hashRefreshToken(last))).toBeUndefined();
    expect(findCurrentDescendant(key, tokens[0], hashRefreshToken(tokens[3]), 2)).toBeUndefined();
    expect(findCurrentDescendant(key, tokens[0], hashRefreshToken(tokens[3]), 3)).toBe(tokens[3]);
  });
});

describe(isWithinReuseGrace.name, () => {
  const retiredAt = new Date('2026-01-01T00:00:00.000Z');
  const after = (ms: number) => new Date(retiredAt.getTime() + ms);

  it('holds up to the grace, inclusive, and not a millisecond after', () => {
    expect(isWithinReuseGrace(retiredAt, after(0), 10)).toBe(true);
    expect(isWithinReuseGrace(retiredAt, after(10_000), 10)).toBe(true);
    expect(isWithinReuseGrace(retiredAt, after(10_001), 10)).toBe(false);
  });

  it('never holds with a grace of 0, not even at the very moment of the rotation', () => {
    expect(isWithinReuseGrace(retiredAt, after(0), 0)).toBe(false);
    expect(isWithinReuseGrace(retiredAt, after(-5), 0)).toBe(false);
  });
});

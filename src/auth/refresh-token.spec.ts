import { describe, expect, it } from '@jest/globals';
import { generateRefreshToken, hashRefreshToken } from './refresh-token.js';

describe('refresh tokens', () => {
  it('carry 256 random bits, base64url', () => {
    const token = generateRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(generateRefreshToken()).not.toBe(token);
  });

  it('are stored as a SHA-256 hash that does not contain the token', () => {
    const token = generateRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashRefreshToken(token));
    expect(hash).not.toContain(token);
  });
});

import { describe, expect, it } from '@jest/globals';
import { ActionTokenPurpose } from './action-token.entity.js';
import {
  actionLink,
  actionTokenTtlMs,
  EMAIL_VERIFICATION_TTL_SECONDS,
  generateActionToken,
  hashActionToken,
  isActionTokenUsable,
  isWellFormedActionToken,
} from './action-token.js';

describe('action tokens', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateActionToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(isWellFormedActionToken(token)).toBe(true);
    }
  });

  it('are stored as their SHA-256 hash, in hex', () => {
    const token = generateActionToken();
    const hash = hashActionToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashActionToken(token));
    expect(hash).not.toBe(hashActionToken(generateActionToken()));
  });

  it.each([
    ['empty', ''],
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(44)],
    ['padded', `${'a'.repeat(42)}=`],
    ['standard base64', `${'a'.repeat(42)}+`],
    ['with a space', `${'a'.repeat(42)} `],
  ])('refuse a malformed value without a look-up (%s)', (_case, value) => {
    expect(isWellFormedActionToken(value)).toBe(false);
  });

  it('live RESET_TOKEN_TTL for a password reset and 24 hours for a verification', () => {
    expect(actionTokenTtlMs(ActionTokenPurpose.PasswordReset, 1800)).toBe(30 * 60 * 1000);
    expect(actionTokenTtlMs(ActionTokenPurpose.PasswordReset, 600)).toBe(10 * 60 * 1000);
    expect(actionTokenTtlMs(ActionTokenPurpose.EmailVerify, 1800)).toBe(24 * 60 * 60 * 1000);
    expect(EMAIL_VERIFICATION_TTL_SECONDS).toBe(86400);
  });

  it('count once, and only before they expire', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    const later = new Date('2026-11-22T10:30:00Z');
    expect(isActionTokenUsable({ usedAt: null, expiresAt: later }, now)).toBe(true);
    expect(isActionTokenUsable({ usedAt: now, expiresAt: later }, now)).toBe(false);
    expect(isActionTokenUsable({ usedAt: null, expiresAt: now }, now)).toBe(false);
    expect(isActionTokenUsable({ usedAt: null, expiresAt: now }, later)).toBe(false);
  });

  it('go into the link as its token parameter, keeping the page query', () => {
    const token = generateActionToken();
    const link = new URL(actionLink('https://app.example.com/reset?lang=en', token));
    expect(link.origin + link.pathname).toBe('https://app.example.com/reset');
    expect(link.searchParams.get('lang')).toBe('en');
    expect(link.searchParams.get('token')).toBe(token);
  });
});

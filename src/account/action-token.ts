import { randomBytes } from 'node:crypto';
import { sha256 } from '../common/crypto/sha256.js';
import { ActionTokenPurpose } from './action-token.entity.js';

/** 256 random bits in base64url, without padding: always 43 characters. */
const WELL_FORMED = /^[A-Za-z0-9_-]{43}$/;

export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;

/** A token for a mailed link: 256 random bits, base64url. */
export function generateActionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Action tokens are stored only as this hash (hex SHA-256). */
export function hashActionToken(token: string): string {
  return sha256(token);
}

/** Whether a presented value could be one of our tokens; anything else needs no database look-up. */
export function isWellFormedActionToken(token: string): boolean {
  return WELL_FORMED.test(token);
}

/** How long a token of each purpose lives, in milliseconds. */
export function actionTokenTtlMs(purpose: ActionTokenPurpose, resetTtlSeconds: number): number {
  const seconds =
    purpose === ActionTokenPurpose.PasswordReset ? resetTtlSeconds : EMAIL_VERIFICATION_TTL_SECONDS;
  return seconds * 1000;
}

/** A token counts once, and only before its expiry. */
export function isActionTokenUsable(
  token: { usedAt: Date | null; expiresAt: Date },
  now: Date,
): boolean {
  return token.usedAt === null && token.expiresAt.getTime() > now.getTime();
}

/** The link a mail carries: the configured page with the token as its `token` parameter. */
export function actionLink(pageUrl: string, token: string): string {
  const url = new URL(pageUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/** A key's state at a moment, from its times alone (the database's times, read by every instance). */
export type KeyStatus = 'next' | 'current' | 'retiring' | 'revoked' | 'expired';

export interface KeyTimes {
  kid: string;
  /** ms since the epoch: from then on it signs (until a successor activates). */
  activatesAt: number;
  /** ms since the epoch: from then on it no longer signs; null while it has no successor. */
  retiresAt: number | null;
  revokedAt: number | null;
}

/**
 * How long a key keeps verifying after it stops signing: the longest lifetime of a token it
 * signed, plus a margin for an instance that switches late (at most a second) and for clocks.
 */
export const RETIRE_MARGIN_MS = 5_000;

export function lingerMs(accessTtlSeconds: number): number {
  return accessTtlSeconds * 1000 + RETIRE_MARGIN_MS;
}

export function keyStatus(key: KeyTimes, now: number, linger: number): KeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (now < key.activatesAt) return 'next';
  if (key.retiresAt === null || now < key.retiresAt) return 'current';
  if (now < key.retiresAt + linger) return 'retiring';
  return 'expired';
}

/** When a key leaves the JWKS and its tokens are refused; null while it has no successor. */
export function leavesAt(key: KeyTimes, linger: number): number | null {
  return key.retiresAt === null ? null : key.retiresAt + linger;
}

/** Next, current and retiring keys verify (and, asymmetric, are published); the rest do not. */
export function mayVerify(status: KeyStatus): boolean {
  return status === 'next' || status === 'current' || status === 'retiring';
}

/** The key that signs now: of the current ones, the one activated last. */
export function signingKeyOf<T extends KeyTimes>(
  keys: T[],
  now: number,
  linger: number,
): T | undefined {
  let signing: T | undefined;
  for (const key of keys) {
    if (keyStatus(key, now, linger) !== 'current') continue;
    if (!signing || key.activatesAt > signing.activatesAt) signing = key;
  }
  return signing;
}

/**
 * The keys that still sign or will, in activation order: each signs until the next one
 * activates, the last until a rotation gives it a successor.
 */
export function chainOf<T extends KeyTimes>(keys: T[], now: number): T[] {
  return keys
    .filter((key) => key.revokedAt === null && (key.retiresAt === null || key.retiresAt > now))
    .sort((a, b) => a.activatesAt - b.activatesAt || a.kid.localeCompare(b.kid));
}

/** The `retiresAt` each key of the chain must have: its successor's activation, or none. */
export function relink<T extends KeyTimes>(
  keys: T[],
  now: number,
): { kid: string; retiresAt: number | null }[] {
  const chain = chainOf(keys, now);
  const changes: { kid: string; retiresAt: number | null }[] = [];
  chain.forEach((key, index) => {
    const retiresAt = chain[index + 1]?.activatesAt ?? null;
    if (retiresAt !== key.retiresAt) changes.push({ kid: key.kid, retiresAt });
  });
  return changes;
}

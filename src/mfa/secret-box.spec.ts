import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { decodeMasterKey, hashRecoveryCode, mfaKeys } from './mfa-keys.js';
import { open, seal } from './secret-box.js';

const key = randomBytes(32);
const owner = '0b7c3f9e-3a51-4c8e-9a43-5d2f6b1e7c90';

describe('secret box', () => {
  it('opens what it sealed, for the same owner only', () => {
    const sealed = seal(key, 'JBSWY3DPEHPK3PXP', owner);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(open(key, sealed, owner)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => open(key, sealed, 'someone-else')).toThrow();
    expect(() => open(randomBytes(32), sealed, owner)).toThrow();
    expect(seal(key, 'JBSWY3DPEHPK3PXP', owner)).not.toBe(sealed);
  });

  it('refuses a tampered or unknown format', () => {
    const [version, iv, tag, body] = seal(key, 'secret', owner).split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      open(key, [version, iv, tag, flipped.toString('base64url')].join('.'), owner),
    ).toThrow();
    expect(() => open(key, ['v2', iv, tag, body].join('.'), owner)).toThrow(/format/);
    expect(() => open(key, 'garbage', owner)).toThrow(/format/);
  });
});

describe('MFA keys', () => {
  const hs256 = { JWT_ALGORITHM: 'HS256' as const, JWT_SECRET: 'x'.repeat(40) };

  it('reads MFA_ENCRYPTION_KEY as hex or base64', () => {
    const raw = randomBytes(32);
    expect(decodeMasterKey(raw.toString('hex'))).toEqual(raw);
    expect(decodeMasterKey(raw.toString('base64'))).toEqual(raw);
    expect(decodeMasterKey(raw.toString('base64url'))).toEqual(raw);
  });

  it('derives separate keys, from MFA_ENCRYPTION_KEY when set, else from the signing key', () => {
    const derived = mfaKeys(hs256);
    expect(derived.sealing).toHaveLength(32);
    expect(derived.sealing).not.toEqual(derived.codeHashing);
    expect(mfaKeys(hs256)).toEqual(derived);
    const own = mfaKeys({ ...hs256, MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    expect(own.sealing).not.toEqual(derived.sealing);
  });

  it('hashes recovery codes under the key: the stored hash is no plain SHA-256', () => {
    const a = hashRecoveryCode(mfaKeys(hs256), 'k7qd3mzx9hpa');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(
      hashRecoveryCode(mfaKeys({ ...hs256, JWT_SECRET: 'y'.repeat(40) }), 'k7qd3mzx9hpa'),
    ).not.toBe(a);
  });
});

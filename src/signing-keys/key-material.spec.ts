import { describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint } from 'jose';
import { createSign, createVerify, randomBytes } from 'node:crypto';
import {
  configuredKey,
  generateKey,
  seal,
  unseal,
  UnsealError,
  usableKey,
} from './key-material.js';

const KEK = randomBytes(32);

describe('key material', () => {
  it('generates 256-bit HS256 secrets with random kids', () => {
    const [a, b] = [generateKey('HS256'), generateKey('HS256')];
    expect(a.privateKey).toHaveLength(32);
    expect(a.publicKey).toBeNull();
    expect(a.kid).not.toBe(b.kid);
  });

  it.each(['ES256', 'RS256'] as const)(
    'names a %s key by its RFC 7638 thumbprint and publishes no private member',
    async (alg) => {
      const material = generateKey(alg);
      const key = usableKey(material.kid, alg, material.publicKey, material.privateKey);
      expect(key.jwk).toEqual(expect.objectContaining({ kid: material.kid, alg, use: 'sig' }));
      expect(key.jwk).not.toHaveProperty('d');
      expect(material.kid).toBe(await calculateJwkThumbprint(key.jwk!));
      const signature = createSign('sha256').update('x').sign(key.signing!);
      expect(createVerify('sha256').update('x').verify(key.verification, signature)).toBe(true);
    },
  );

  it('keeps the configured key pair (and its kid) as the first key', () => {
    const pair = generateKey('ES256');
    const pem = usableKey(pair.kid, 'ES256', pair.publicKey, pair.privateKey)
      .signing!.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(configuredKey('ES256', undefined, pem).kid).toBe(pair.kid);
    expect(configuredKey('HS256', 'a-secret', undefined).privateKey.toString()).toBe('a-secret');
  });

  it('seals with AES-256-GCM: opens with the same key, kid and algorithm only', () => {
    const secret = randomBytes(32);
    const sealed = seal(secret, KEK, 'kid-1', 'HS256');
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(unseal(sealed, KEK, 'kid-1', 'HS256')).toEqual(secret);
    expect(seal(secret, KEK, 'kid-1', 'HS256')).not.toBe(sealed);
    expect(() => unseal(sealed, randomBytes(32), 'kid-1', 'HS256')).toThrow(UnsealError);
    expect(() => unseal(sealed, KEK, 'kid-2', 'HS256')).toThrow(UnsealError);
    expect(() => unseal(sealed, KEK, 'kid-1', 'ES256')).toThrow(UnsealError);
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      unseal([version, iv, tag, flipped.toString('base64url')].join('.'), KEK, 'kid-1', 'HS256'),
    ).toThrow(UnsealError);
    expect(() => unseal('plain', KEK, 'kid-1', 'HS256')).toThrow(UnsealError);
  });

  it('never says the material in an error', () => {
    const secret = randomBytes(32);
    const sealed = seal(secret, KEK, 'kid-1', 'HS256');
    try {
      unseal(sealed, randomBytes(32), 'kid-1', 'HS256');
    } catch (error) {
      expect((error as Error).message).not.toContain(secret.toString('base64'));
      expect((error as Error).message).not.toContain(sealed);
    }
  });
});

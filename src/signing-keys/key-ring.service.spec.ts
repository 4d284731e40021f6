import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { type Environment, validateEnvironment } from '../config/environment.js';
import { generateKey, seal } from './key-material.js';
import { KeyRing } from './key-ring.service.js';
import { RETIRE_MARGIN_MS } from './key-schedule.js';
import type { SigningKeyRow, SigningKeysRepository } from './signing-keys.repository.js';

const KEK = randomBytes(32);
const TTL = 10;

function row(times: Partial<SigningKeyRow>, algorithm: 'ES256' | 'HS256' = 'ES256'): SigningKeyRow {
  const material = generateKey(algorithm);
  return {
    kid: material.kid,
    algorithm,
    publicKey: material.publicKey,
    privateKey: seal(material.privateKey, KEK, material.kid, algorithm),
    fromConfiguration: false,
    createdAt: 0,
    activatesAt: 0,
    retiresAt: null,
    revokedAt: null,
    ...times,
  };
}

/** A ring over `rows`, whose database clock is `skewMs` ahead of this process's. */
async function ringOf(rows: SigningKeyRow[], skewMs = 0): Promise<KeyRing> {
  const repository = {
    all: () => Promise.resolve({ rows, now: Date.now() + skewMs }),
  } as unknown as SigningKeysRepository;
  const env = validateEnvironment({
    JWT_ALGORITHM: 'ES256',
    JWT_PRIVATE_KEY: 'unused',
    JWT_PUBLIC_KEY: 'unused',
    JWT_ACCESS_TTL: String(TTL),
    JWT_KEY_ENCRYPTION_KEY: KEK.toString('base64'),
  });
  const ring = new KeyRing(repository, new ConfigService<Environment, true>(env));
  await ring.refresh();
  return ring;
}

describe(KeyRing.name, () => {
  it('signs with the current key, publishes next, current and retiring ones, not the rest', async () => {
    const now = Date.now();
    const retiring = row({ activatesAt: now - 60_000, retiresAt: now - 1000 });
    const current = row({ activatesAt: now - 1000, retiresAt: now + 60_000 });
    const next = row({ activatesAt: now + 60_000 });
    const expired = row({
      activatesAt: now - 90_000,
      retiresAt: now - TTL * 1000 - RETIRE_MARGIN_MS - 1,
    });
    const revoked = row({ activatesAt: now - 1000, revokedAt: now - 500, privateKey: null });
    const otherAlgorithm = row({ activatesAt: now - 1000 }, 'HS256');
    const ring = await ringOf([retiring, current, next, expired, revoked, otherAlgorithm]);

    expect(ring.signingKey().kid).toBe(current.kid);
    expect(ring.jwks().map((jwk) => jwk.kid)).toEqual([retiring.kid, current.kid, next.kid]);
    for (const key of [retiring, current, next])
      expect(ring.verificationKey(key.kid)).toBeDefined();
    for (const key of [expired, revoked, otherAlgorithm]) {
      expect(ring.verificationKey(key.kid)).toBeUndefined();
    }
    expect(() => ring.privateKeyOf(next.kid)).toThrow();
  });

  describe('the served JWK Set', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('is the published keys, serialized again only when they change, time passing included', async () => {
      const now = Date.now();
      const retiresAt = now - 1000;
      const retiring = row({ activatesAt: now - 60_000, retiresAt });
      const current = row({ activatesAt: now - 1000 });
      const ring = await ringOf([retiring, current]);

      const document = ring.jwksDocument();
      expect(JSON.parse(document)).toEqual({ keys: ring.jwks() });
      expect(ring.jwks().map((jwk) => jwk.kid)).toEqual([retiring.kid, current.kid]);
      // Unchanged keys: the very same string, not a new serialization.
      expect(ring.jwksDocument()).toBe(document);

      // Until the retiring key's last token expires, the same string still. The instants are
      // on the ring's clock, which the read set a fraction of a millisecond off this one.
      const leavesAt = retiresAt + TTL * 1000 + RETIRE_MARGIN_MS;
      const skew = ring.now() - Date.now();
      jest.useFakeTimers({ now: Math.floor(leavesAt - skew) - 1, doNotFake: [] });
      expect(ring.jwksDocument()).toBe(document);
      // From then on it leaves the document, without a read.
      jest.setSystemTime(Math.ceil(leavesAt - skew));
      expect(JSON.parse(ring.jwksDocument())).toEqual({ keys: ring.jwks() });
      expect(ring.jwks().map((jwk) => jwk.kid)).toEqual([current.kid]);
    });

    it('is an empty set when no key is published', async () => {
      const ring = await ringOf([row({ activatesAt: 0 }, 'HS256')]);
      expect(ring.jwksDocument()).toBe('{"keys":[]}');
    });
  });

  it('reads the states on the database clock, not its own', async () => {
    const now = Date.now();
    const old = row({ activatesAt: now - 60_000, retiresAt: now + 5_000 });
    const successor = row({ activatesAt: now + 5_000 });
    expect((await ringOf([old, successor])).signingKey().kid).toBe(old.kid);
    // The database's clock is 10 s ahead: the successor already signs.
    expect((await ringOf([old, successor], 10_000)).signingKey().kid).toBe(successor.kid);
  });

  it('verifies a token without kid with the configured key while it is current or retiring only', async () => {
    const now = Date.now();
    const configured = row({
      activatesAt: now - 60_000,
      retiresAt: now - 1000,
      fromConfiguration: true,
    });
    const current = row({ activatesAt: now - 1000 });
    expect((await ringOf([configured, current])).verificationKey(undefined)?.kid).toBe(
      configured.kid,
    );
    const left = { ...configured, retiresAt: now - TTL * 1000 - RETIRE_MARGIN_MS - 1 };
    expect((await ringOf([left, current])).verificationKey(undefined)).toBeUndefined();
    expect((await ringOf([current])).verificationKey(undefined)).toBeUndefined();
  });

  it('tells its listeners when the keys changed, and only then', async () => {
    const now = Date.now();
    const rows = [row({ activatesAt: now - 1000 })];
    const ring = await ringOf(rows);
    let changes = 0;
    ring.onChange(() => changes++);
    await ring.refresh();
    expect(changes).toBe(0);
    rows[0] = { ...rows[0], revokedAt: now, privateKey: null };
    await ring.refresh();
    expect(changes).toBe(1);
    expect(ring.verificationKey(rows[0].kid)).toBeUndefined();
  });
});

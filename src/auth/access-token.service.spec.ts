import { beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { calculateJwkThumbprint, exportPKCS8, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { Environment, validateEnvironment } from '../config/environment.js';
import { Role } from '../common/principal/principal.js';
import { JwtService } from '@nestjs/jwt';
import { AccessTokenService } from './access-token.service.js';
import { jwtModuleOptions } from '../bearer/jwt-keys.js';
import { configuredKey, usableKey } from '../signing-keys/key-material.js';
import type { KeyRing } from '../signing-keys/key-ring.service.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const user = { id: randomUUID(), role: Role.User, username: 'ada_l' };
const HOUR = 60 * 60 * 1000;
/** A session of the given id that lives well past any access token. */
const authentication = { amr: ['pwd', 'otp'], aal: 'aal2' as const };
const sessionOf = (id = randomUUID()) => ({
  id,
  expiresAt: new Date(Date.now() + HOUR),
  authentication,
});

/** A ring of one key, the configured one, as a fresh database makes it. */
function ringOf(env: Environment): KeyRing {
  const material = configuredKey(env.JWT_ALGORITHM, env.JWT_SECRET, env.JWT_PRIVATE_KEY);
  const key = usableKey(material.kid, env.JWT_ALGORITHM, material.publicKey, material.privateKey);
  return {
    signingKey: () => key,
    privateKeyOf: () => key.signing,
    verificationKey: (kid: string | undefined) =>
      kid === undefined || kid === key.kid ? key : undefined,
    jwks: () => (key.jwk ? [key.jwk] : []),
  } as unknown as KeyRing;
}

// Built as AuthModule builds it: JwtService from the ring, through secretOrKeyProvider.
function makeService(env: Record<string, string>): { service: AccessTokenService; ring: KeyRing } {
  const validated = validateEnvironment({ JWT_SECRET: SECRET, ...env });
  const ring = ringOf(validated);
  const jwt = new JwtService(jwtModuleOptions(ring, validated));
  const config = new ConfigService<Environment, true>(validated);
  return { service: new AccessTokenService(jwt, ring, config), ring };
}

function problemOf(verify: () => unknown): Problem | undefined {
  try {
    verify();
    return undefined;
  } catch (error) {
    return (error as AppException).problem;
  }
}

describe(AccessTokenService.name, () => {
  let sut: AccessTokenService;

  beforeAll(() => {
    sut = makeService({}).service;
  });

  it('issues at+jwt tokens whose claims verify', () => {
    const sid = randomUUID();
    const { token, claims } = sut.issue(user, sessionOf(sid));
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(claims).toEqual(
      expect.objectContaining({
        sub: user.id,
        sid,
        role: 'user',
        username: 'ada_l',
        amr: ['pwd', 'otp'],
        aal: 'aal2',
      }),
    );
    expect(claims.exp - claims.iat).toBe(900);
    expect(sut.verify(token)).toEqual(claims);
  });

  it('never lets a token outlive its session', () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { token, claims } = sut.issue(user, { id: randomUUID(), expiresAt, authentication });
    expect(claims.exp).toBe(Math.floor(expiresAt.getTime() / 1000));
    expect(sut.verify(token).exp).toBe(claims.exp);
  });

  it('refuses a token signed with another secret, issuer, audience or typ', async () => {
    const { claims } = sut.issue(user, sessionOf());
    const sign = (payload: object, typ = 'at+jwt', secret = SECRET) =>
      new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'HS256', typ })
        .sign(new TextEncoder().encode(secret));
    for (const token of [
      await sign(claims, 'at+jwt', `${SECRET}-other`),
      await sign({ ...claims, iss: 'elsewhere' }),
      await sign({ ...claims, aud: 'elsewhere' }),
      await sign(claims, 'JWT'),
      await sign({ ...claims, sid: 'not-a-uuid' }),
    ]) {
      expect(problemOf(() => sut.verify(token))).toBe(Problem.TokenInvalid);
    }
  });

  it('tells an expired token apart', async () => {
    const { claims } = sut.issue(user, sessionOf());
    const past = Math.floor(Date.now() / 1000) - 10;
    const token = await new SignJWT({ ...claims, iat: past - 900, exp: past })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(SECRET));
    expect(problemOf(() => sut.verify(token))).toBe(Problem.TokenExpired);
  });

  it('refuses tokens over 8 KiB before parsing them', () => {
    expect(problemOf(() => sut.verify('x'.repeat(8 * 1024 + 1)))).toBe(Problem.TokenInvalid);
  });

  it.each(['ES256', 'RS256'] as const)(
    'signs with %s, publishes the public key with a kid, and refuses HS256 keyed by that public key',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const publicPem = await exportSPKI(publicKey);
      const { service: asymmetric, ring: asymmetricRing } = makeService({
        JWT_ALGORITHM: alg,
        JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
        JWT_PUBLIC_KEY: publicPem,
      });
      const { token, claims } = asymmetric.issue(user, sessionOf());
      const [jwk] = asymmetricRing.jwks();
      const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
      expect(header).toEqual({ alg, typ: 'at+jwt', kid: jwk.kid });
      expect(jwk).toEqual(expect.objectContaining({ alg, use: 'sig', kid: expect.any(String) }));
      expect(jwk).not.toHaveProperty('d');
      // RFC 7638, checked against an independent implementation.
      expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk));
      expect(asymmetric.verify(token)).toEqual(claims);

      const confused = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(new TextEncoder().encode(publicPem));
      expect(problemOf(() => asymmetric.verify(confused))).toBe(Problem.TokenInvalid);
    },
  );
});

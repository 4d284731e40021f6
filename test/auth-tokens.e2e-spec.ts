import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import {
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  signUp,
  useApp,
} from './support/app.js';
import { sleep } from './support/poll.js';
import { algorithm, claimsOf, decodePart, signWithAppKey } from './support/tokens.js';

const AUTH = '/api/v1/auth';
const ME = '/api/v1/users/me';

describe('Auth (e2e)', () => {
  // Strict reuse detection; the grace for racing clients has its own suite (refresh.e2e-spec.ts).
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });

  describe('bearer tokens', () => {
    it('accepts Authorization: Bearer and x-access-token; Authorization wins', async () => {
      const { user, tokens } = await signUp(http);
      const bearer = await http.get(ME, { token: tokens.access_token });
      expect(bearer.status).toBe(200);
      expect(bearer.body.id).toBe(user.id);
      const legacy = await http.get(ME, { headers: { 'x-access-token': tokens.access_token } });
      expect(legacy.body.id).toBe(user.id);
      const both = await http.get(ME, {
        token: tokens.access_token,
        headers: { 'x-access-token': 'garbage' },
      });
      expect(both.status).toBe(200);
    });

    it('answers token-missing without a bearer token, for Basic and for an empty Bearer', async () => {
      for (const headers of [
        {},
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer ' },
      ] as Record<string, string>[]) {
        const reply = await http.get(ME, { headers });
        expectProblem(reply, 401, 'token-missing');
        expect(reply.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('finds no token in a Bearer header holding whitespace, though its token was used before', async () => {
      const { user, tokens } = await signUp(http);
      const token = tokens.access_token;
      // Verified and remembered now: the next requests with it skip the verification.
      expect((await http.get(ME, { token })).status).toBe(200);
      const [header, payload, signature] = token.split('.');
      for (const spaced of [
        `${header}. ${payload}.${signature}`,
        `${header}.${payload}.${signature.slice(0, 8)}\t${signature.slice(8)}`,
      ]) {
        const authorization = `Bearer ${spaced}`;
        expectProblem(await http.get(ME, { headers: { authorization } }), 401, 'token-missing');
        // Then x-access-token is the request's token.
        const legacy = await http.get(ME, { headers: { authorization, 'x-access-token': token } });
        expect(legacy.status).toBe(200);
        expect(legacy.body.id).toBe(user.id);
        expectProblem(await http.get(ME, { headers: { authorization } }), 401, 'token-missing');
      }
    });

    it('answers token-invalid for garbage, a bad signature, a wrong iss/aud/typ/alg or a huge token', async () => {
      const { tokens } = await signUp(http);
      const claims = decodePart(tokens.access_token, 1);
      const foreignKey = new Uint8Array(64).fill(7);
      const forged = [
        'not.a.jwt',
        `${tokens.access_token.slice(0, -4)}AAAA`,
        await signWithAppKey({ ...claims, iss: 'someone-else' }),
        await signWithAppKey({ ...claims, aud: 'another-api' }),
        await signWithAppKey(claims, 'JWT'),
        await signWithAppKey({ ...claims, sub: 'not-a-uuid' }),
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt' })
          .sign(foreignKey),
        `eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.${tokens.access_token.split('.')[1]}.`,
        'a'.repeat(9000),
      ];
      if (algorithm !== 'HS256') {
        // Algorithm confusion: HS256 keyed by the published public key.
        forged.push(
          await new SignJWT(claims)
            .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
            .sign(new TextEncoder().encode(process.env.JWT_PUBLIC_KEY)),
        );
      }
      for (const token of forged) {
        const reply = await http.get(ME, { token });
        expectProblem(reply, 401, 'token-invalid');
        expect(reply.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      }
    });

    it('answers token-expired once exp has passed', async () => {
      const { tokens } = await signUp(http);
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = await signWithAppKey({
        ...decodePart(tokens.access_token, 1),
        iat: past - 900,
        exp: past,
      });
      expectProblem(await http.get(ME, { token: expired }), 401, 'token-expired');
    });

    it('refuses a token it accepted before, as expired, once its exp has passed', async () => {
      const { tokens } = await signUp(http);
      // Two seconds on: jsonwebtoken counts a token expired from the second of its exp.
      const exp = Math.floor(Date.now() / 1000) + 2;
      const shortLived = await signWithAppKey({ ...decodePart(tokens.access_token, 1), exp });
      expect((await http.get(ME, { token: shortLived })).status).toBe(200);
      expect((await http.get(ME, { token: shortLived })).status).toBe(200);
      await sleep(exp * 1000 - Date.now() + 50);
      expectProblem(await http.get(ME, { token: shortLived }), 401, 'token-expired');
    });

    it('answers token-invalid once the user is gone', async () => {
      const { tokens } = await signUp(http);
      const ghost = await signWithAppKey({
        ...decodePart(tokens.access_token, 1),
        sub: '00000000-0000-4000-8000-000000000000',
      });
      expectProblem(await http.get(ME, { token: ghost }), 401, 'token-invalid');
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair in the same session; the old access token stays valid', async () => {
      const { tokens } = await signUp(http);
      const reply = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.refresh_token).not.toBe(tokens.refresh_token);
      const sid = (token: string) => claimsOf(token).sid;
      expect(sid(reply.body.access_token)).toBe(sid(tokens.access_token));
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
      expect((await http.get(ME, { token: reply.body.access_token })).status).toBe(200);
    });

    it('with the grace off, treats a second use as reuse: 401 and the whole session is revoked', async () => {
      const { tokens } = await signUp(http);
      const first = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(first.status).toBe(200);
      const reuse = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expectProblem(reuse, 401, 'refresh-token-invalid');
      expectProblem(await http.get(ME, { token: first.body.access_token }), 401, 'token-revoked');
      expectProblem(await http.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: first.body.refresh_token } }),
        401,
        'refresh-token-invalid',
      );
    });

    it('with the grace off, lets exactly one of concurrent refreshes of one token win', async () => {
      const { tokens } = await signUp(http);
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          http.post(`${AUTH}/refresh`, { body: { refresh_token: tokens.refresh_token } }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    });

    it('refuses an unknown token and a missing one', async () => {
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: 'x'.repeat(43) } }),
        401,
        'refresh-token-invalid',
      );
      expectFieldError(await http.post(`${AUTH}/refresh`, { body: {} }), 'refresh_token');
      expectFieldError(
        await http.post(`${AUTH}/refresh`, { body: { refreshToken: 'camel' } }),
        'refreshToken',
      );
    });
  });

  describe('POST /auth/logout', () => {
    it('local: this session and this access token stop working; others go on', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      const reply = await http.post(`${AUTH}/logout`, { token: a.access_token });
      expect(reply.status).toBe(204);
      expectProblem(await http.get(ME, { token: a.access_token }), 401, 'token-revoked');
      expectProblem(
        await http.post(`${AUTH}/refresh`, { body: { refresh_token: a.refresh_token } }),
        401,
        'refresh-token-invalid',
      );
      expect((await http.get(ME, { token: b.access_token })).status).toBe(200);
    });

    it('global: every session and access token of the user', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      // Accepted once before, so the refusal below is not just a first verification.
      expect((await http.get(ME, { token: b.access_token })).status).toBe(200);
      expect(
        (await http.post(`${AUTH}/logout`, { token: a.access_token, query: { scope: 'global' } }))
          .status,
      ).toBe(204);
      for (const tokens of [a, b]) {
        expectProblem(await http.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
        expectProblem(
          await http.post(`${AUTH}/refresh`, { body: { refresh_token: tokens.refresh_token } }),
          401,
          'refresh-token-invalid',
        );
      }
      expect((await http.get(ME, { token: (await login(http, user)).access_token })).status).toBe(
        200,
      );
    });

    it('others: every session but this one', async () => {
      const user = await registerUser(http);
      const a = await login(http, user);
      const b = await login(http, user);
      expect((await http.get(ME, { token: b.access_token })).status).toBe(200);
      expect(
        (await http.post(`${AUTH}/logout`, { token: a.access_token, query: { scope: 'others' } }))
          .status,
      ).toBe(204);
      expect((await http.get(ME, { token: a.access_token })).status).toBe(200);
      expectProblem(await http.get(ME, { token: b.access_token }), 401, 'token-revoked');
    });

    it('refuses an unknown scope and needs a token', async () => {
      const { tokens } = await signUp(http);
      expectFieldError(
        await http.post(`${AUTH}/logout`, { token: tokens.access_token, query: { scope: 'all' } }),
        'scope',
      );
      expectProblem(await http.post(`${AUTH}/logout`), 401, 'token-missing');
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);
    });
  });
});

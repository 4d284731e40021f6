import { beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import * as oauth from 'openid-client';
import {
  expectFieldError,
  expectProblem,
  expectSessionRefused,
  type Http,
  signUp,
  useApp,
} from './support/app.js';

const AUTH = '/api/v1/auth';
const FORM = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const postForm = (http: Http, route: string, body: string) =>
  http.post(`${AUTH}/${route}`, { body, headers: FORM });

describe('OAuth token revocation and introspection (e2e)', () => {
  const suite = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });
  const { http } = suite;

  describe('with openid-client as the client', () => {
    let config: oauth.Configuration;

    beforeAll(async () => {
      await suite.app().listen(0, '127.0.0.1');
      const { port } = suite.app().getHttpServer().address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      // Built from the endpoints: no discovery document needed.
      config = new oauth.Configuration(
        {
          issuer: base,
          introspection_endpoint: `${base}${AUTH}/introspect`,
          revocation_endpoint: `${base}${AUTH}/revoke`,
        },
        'resource-server',
        undefined,
        oauth.None(),
      );
      oauth.allowInsecureRequests(config);
    });

    it('introspects a live access token, then revokes it', async () => {
      const { user, tokens } = await signUp(http);
      const live = await oauth.tokenIntrospection(config, tokens.access_token);
      expect(live).toEqual(
        expect.objectContaining({
          active: true,
          sub: user.id,
          username: user.username,
          token_type: 'access_token',
        }),
      );

      await oauth.tokenRevocation(config, tokens.access_token);
      expect(await oauth.tokenIntrospection(config, tokens.access_token)).toEqual({
        active: false,
      });
      expectProblem(
        await http.get('/api/v1/users/me', { token: tokens.access_token }),
        401,
        'token-revoked',
      );
      // An access token revokes itself only: its session and refresh token live on.
      const refreshed = await http.post(`${AUTH}/refresh`, {
        body: { refresh_token: tokens.refresh_token },
      });
      expect(refreshed.status).toBe(200);
    });

    it('revokes a refresh token: its session and every access token of it end', async () => {
      const { tokens } = await signUp(http);
      await oauth.tokenRevocation(config, tokens.refresh_token, {
        token_type_hint: 'refresh_token',
      });
      await expectSessionRefused(http, tokens, 'token-revoked');
      expect(await oauth.tokenIntrospection(config, tokens.access_token)).toEqual({
        active: false,
      });
    });

    it('revokes whatever the hint says, and answers the same for anything', async () => {
      const { tokens } = await signUp(http);
      // A wrong hint only costs a second search.
      await oauth.tokenRevocation(config, tokens.refresh_token, {
        token_type_hint: 'access_token',
      });
      await expectSessionRefused(http, tokens, 'token-revoked');
      for (const token of ['garbage', tokens.refresh_token, tokens.access_token, 'a.b.c']) {
        await expect(oauth.tokenRevocation(config, token)).resolves.toBeUndefined();
      }
    });
  });

  describe('POST /auth/revoke', () => {
    it('answers 200 with an empty body, for JSON and form bodies', async () => {
      const { tokens } = await signUp(http);
      const json = await http.post(`${AUTH}/revoke`, {
        body: { token: 'unknown', token_type_hint: 'refresh_token', client_id: 'x' },
      });
      expect(json.status).toBe(200);
      expect(json.text).toBe('');

      const revoked = await postForm(
        http,
        'revoke',
        form({ token: tokens.refresh_token, client_id: 'billing' }),
      );
      expect(revoked.status).toBe(200);
      expect(revoked.text).toBe('');
      await expectSessionRefused(http, tokens, 'token-revoked');

      // Again: already revoked is no error.
      expect((await postForm(http, 'revoke', form({ token: tokens.refresh_token }))).status).toBe(
        200,
      );
    });

    it('records the revocation in the owner’s security events', async () => {
      const { user, tokens } = await signUp(http);
      await http.post(`${AUTH}/revoke`, { body: { token: tokens.access_token } });
      const other = await signUp(http);
      const events = await http.get('/api/v1/users/me/security-events', {
        token: other.tokens.access_token,
      });
      expect(events.body.data.map((event: { type: string }) => event.type)).not.toContain(
        'auth.token.revoked',
      );
      const mine = await http.post('/api/v1/auth/login', {
        body: { email: user.email, password: user.password },
      });
      const trail = await http.get('/api/v1/users/me/security-events', {
        token: mine.body.access_token,
      });
      expect(trail.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'auth.token.revoked',
            userId: user.id,
            actorId: null,
            details: { revoked: 'access_token' },
          }),
        ]),
      );
    });

    it('needs a token; other unknown fields stay a 400', async () => {
      expectFieldError(await http.post(`${AUTH}/revoke`, { body: {} }), 'token');
      expectFieldError(await postForm(http, 'revoke', form({ client_id: 'x' })), 'token');
      expectFieldError(await postForm(http, 'revoke', 'token='), 'token');
      expectFieldError(
        await postForm(http, 'revoke', form({ token: 't', client_secret: 's' })),
        'client_secret',
      );
      expectFieldError(await postForm(http, 'revoke', 'token=a&token=b'), 'token');
      expectFieldError(await postForm(http, 'revoke', '__proto__=x&token=t'), '__proto__');
    });
  });

  describe('POST /auth/introspect with a form body', () => {
    it('takes no token_type_hint: only token and client_id, like the rest of its fields', async () => {
      const { tokens } = await signUp(http);
      expectFieldError(
        await postForm(
          http,
          'introspect',
          form({ token: tokens.access_token, token_type_hint: 'access_token' }),
        ),
        'token_type_hint',
      );
      expectFieldError(
        await http.post(`${AUTH}/introspect`, {
          body: { token: tokens.access_token, token_type_hint: 'access_token' },
        }),
        'token_type_hint',
      );
    });

    it('takes form bodies in any charset, and ignores client_id', async () => {
      const { tokens } = await signUp(http);
      for (const type of [
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=utf-8',
        'application/x-www-form-urlencoded;charset=ISO-8859-1',
      ]) {
        const reply = await http.post(`${AUTH}/introspect`, {
          body: form({ token: tokens.access_token, client_id: 'rs' }),
          headers: { 'content-type': type },
        });
        expect(reply.status).toBe(200);
        expect(reply.body.active).toBe(true);
      }
      const json = await http.post(`${AUTH}/introspect`, {
        body: { token: tokens.access_token, client_id: 'rs' },
      });
      expect(json.body.active).toBe(true);
      expectFieldError(
        await postForm(http, 'introspect', form({ token: 'x', scope: 'all' })),
        'scope',
      );
    });
  });

  it('keeps every other route JSON only', async () => {
    const { tokens } = await signUp(http);
    for (const [route, body] of [
      ['login', form({ email: 'a@example.com', password: 'whatever it is' })],
      ['refresh', form({ refresh_token: tokens.refresh_token })],
      ['register', form({ email: 'a@example.com', username: 'abc', password: 'long enough' })],
      ['password/forgot', form({ email: 'a@example.com' })],
    ]) {
      expectProblem(await postForm(http, route, body), 415, 'unsupported-media-type');
    }
    expectProblem(
      await http.patch('/api/v1/users/me', {
        token: tokens.access_token,
        body: form({ name: 'x' }),
        headers: FORM,
      }),
      415,
      'unsupported-media-type',
    );
  });
});

import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { expectProblem, Http, Reply, signUp, useApp } from './support/app.js';
import { decodePart } from './support/tokens.js';

const AUTH = '/api/v1/auth';
const ME = '/api/v1/users/me';

const refresh = (http: Http, token: string) =>
  http.post(`${AUTH}/refresh`, { body: { refresh_token: token } });
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const sid = (reply: Reply) => decodePart(reply.body.access_token, 1).sid as string;

/** One refresh that must succeed; returns its answer. */
async function rotate(http: Http, token: string): Promise<Reply> {
  const reply = await refresh(http, token);
  expect(reply.status).toBe(200);
  return reply;
}

async function expectSessionRevoked(http: Http, accessToken: string, refreshToken: string) {
  expectProblem(await http.get(ME, { token: accessToken }), 401, 'token-revoked');
  expectProblem(await refresh(http, refreshToken), 401, 'refresh-token-invalid');
}

describe('Refresh races, default grace of 10 s (e2e)', () => {
  const suite = useApp();
  const { http } = suite;

  it('answers 10 concurrent refreshes with one token all 200, with one and the same new token', async () => {
    const { tokens } = await signUp(http);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => refresh(http, tokens.refresh_token)),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(200));
    const refreshTokens = new Set(replies.map((reply) => reply.body.refresh_token as string));
    expect(refreshTokens.size).toBe(1);
    const [current] = refreshTokens;
    expect(current).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(current).not.toBe(tokens.refresh_token);

    const sessionId = decodePart(tokens.access_token, 1).sid as string;
    for (const reply of replies) {
      expect(sid(reply)).toBe(sessionId);
      expect((await http.get(ME, { token: reply.body.access_token })).status).toBe(200);
    }
    const sessions = await http.get(`${AUTH}/sessions`, { token: replies[0].body.access_token });
    expect(sessions.body.map((session: { id: string }) => session.id)).toEqual([sessionId]);

    const next = await rotate(http, current);
    expect(next.body.refresh_token).not.toBe(current);
    expect(sid(next)).toBe(sessionId);
    expect((await http.get(ME, { token: next.body.access_token })).status).toBe(200);
  });

  it('answers a retired token inside the grace with the current refresh token, several rotations on', async () => {
    const { tokens } = await signUp(http);
    const first = await rotate(http, tokens.refresh_token);
    const second = await rotate(http, first.body.refresh_token);
    const current = second.body.refresh_token as string;

    for (const retired of [tokens.refresh_token, first.body.refresh_token as string]) {
      const late = await rotate(http, retired);
      expect(late.body.refresh_token).toBe(current);
      expect(sid(late)).toBe(sid(second));
      expect(late.body.access_token).not.toBe(second.body.access_token);
      expect((await http.get(ME, { token: late.body.access_token })).status).toBe(200);
    }
    expect((await http.get(ME, { token: second.body.access_token })).status).toBe(200);
    expect((await rotate(http, current)).body.refresh_token).not.toBe(current);
  });

  it('keeps only hashes: no stored column holds a token handed out', async () => {
    const { tokens } = await signUp(http);
    const replies = await Promise.all([
      refresh(http, tokens.refresh_token),
      refresh(http, tokens.refresh_token),
    ]);
    const current = replies[0].body.refresh_token as string;
    expect(replies[1].body.refresh_token).toBe(current);

    const db = suite.app().get(DataSource);
    const sessionId = sid(replies[0]);
    const [session] = await db.query(`SELECT * FROM sessions WHERE id = $1`, [sessionId]);
    expect(session.refresh_token_hash).toBe(sha256(current));
    const retired = await db.query(`SELECT * FROM retired_refresh_tokens WHERE session_id = $1`, [
      sessionId,
    ]);
    expect(retired.map((row: { token_hash: string }) => row.token_hash)).toEqual([
      sha256(tokens.refresh_token),
    ]);
    const stored = JSON.stringify([session, retired]);
    for (const token of [tokens.refresh_token, current]) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
    }
  });

  it('refuses a retired token inside the grace once its session is logged out, revoked or expired', async () => {
    const loggedOut = await signUp(http);
    const afterLogout = await rotate(http, loggedOut.tokens.refresh_token);
    await http.post(`${AUTH}/logout`, { token: afterLogout.body.access_token });
    expectProblem(
      await refresh(http, loggedOut.tokens.refresh_token),
      401,
      'refresh-token-invalid',
    );

    const revoked = await signUp(http);
    const afterRevoke = await rotate(http, revoked.tokens.refresh_token);
    const other = await signUp(http);
    expect(
      (
        await http.delete(`${AUTH}/sessions/${sid(afterRevoke)}`, {
          token: afterRevoke.body.access_token,
        })
      ).status,
    ).toBe(204);
    expectProblem(await refresh(http, revoked.tokens.refresh_token), 401, 'refresh-token-invalid');

    const expired = await signUp(http);
    const afterExpiry = await rotate(http, expired.tokens.refresh_token);
    await suite
      .app()
      .get(DataSource)
      .query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        sid(afterExpiry),
      ]);
    expectProblem(await refresh(http, expired.tokens.refresh_token), 401, 'refresh-token-invalid');
    expectProblem(
      await refresh(http, afterExpiry.body.refresh_token),
      401,
      'refresh-token-invalid',
    );

    expect((await http.get(ME, { token: other.tokens.access_token })).status).toBe(200);
  });
});

describe('Refresh races, 1 s grace (e2e)', () => {
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '1' });

  it('treats a retired token presented after the grace as theft and revokes the session', async () => {
    const { tokens } = await signUp(http);
    const rotated = await rotate(http, tokens.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expectProblem(await refresh(http, tokens.refresh_token), 401, 'refresh-token-invalid');
    await expectSessionRevoked(http, rotated.body.access_token, rotated.body.refresh_token);
    expectProblem(await http.get(ME, { token: tokens.access_token }), 401, 'token-revoked');
  });
});

describe('Refresh races, grace off (e2e)', () => {
  const { http } = useApp({ JWT_REFRESH_REUSE_GRACE: '0' });

  it('lets one of 10 concurrent refreshes win and revokes the session for the others', async () => {
    const { tokens } = await signUp(http);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => refresh(http, tokens.refresh_token)),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, ...Array(9).fill(401)]);
    for (const reply of replies.filter((r) => r.status === 401)) {
      expectProblem(reply, 401, 'refresh-token-invalid');
    }
    const winner = replies.find((reply) => reply.status === 200) as Reply;
    await expectSessionRevoked(http, winner.body.access_token, winner.body.refresh_token);
  });

  it('treats a retired token presented at once as theft', async () => {
    const { tokens } = await signUp(http);
    const rotated = await rotate(http, tokens.refresh_token);
    expectProblem(await refresh(http, tokens.refresh_token), 401, 'refresh-token-invalid');
    await expectSessionRevoked(http, rotated.body.access_token, rotated.body.refresh_token);
  });
});

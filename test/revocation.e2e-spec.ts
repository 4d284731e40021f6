import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RevocationService } from '../src/revocation/revocation.service.js';
import { login, registerUser, useApp } from './support/app.js';
import { decodePart } from './support/tokens.js';

describe('Revocation housekeeping (e2e)', () => {
  const suite = useApp();
  const { http } = suite;

  it('prunes expired blocklist entries and dead sessions, and keeps what still matters', async () => {
    const db = suite.app().get(DataSource);
    const user = await registerUser(http);
    const live = await login(http, user);
    const revokedToday = await login(http, user);
    await http.post('/api/v1/auth/logout', { token: revokedToday.access_token });
    const sessionOf = (token: string) => decodePart(token, 1).sid as string;

    const expiredSession = randomUUID();
    const longRevokedSession = randomUUID();
    for (const [id, expiresAt, revokedAt] of [
      [expiredSession, "now() - interval '1 minute'", 'NULL'],
      [longRevokedSession, "now() + interval '1 day'", "now() - interval '2 days'"],
    ]) {
      await db.query(
        `INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, now(), now(), ${expiresAt}, ${revokedAt})`,
        [id, user.id, randomUUID().replaceAll('-', '').padEnd(64, '0')],
      );
    }
    const expiredJti = randomUUID();
    const liveJti = randomUUID();
    await db.query(
      `INSERT INTO revoked_access_tokens (jti, user_id, expires_at)
       VALUES ($1, $3, now() - interval '1 second'), ($2, $3, now() + interval '10 minutes')`,
      [expiredJti, liveJti, user.id],
    );

    await suite.app().get(RevocationService).prune();

    const sessions: { id: string }[] = await db.query(
      'SELECT id FROM sessions WHERE user_id = $1',
      [user.id],
    );
    expect(sessions.map((s) => s.id).sort()).toEqual(
      [sessionOf(live.access_token), sessionOf(revokedToday.access_token)].sort(),
    );
    const blocked: { jti: string }[] = await db.query('SELECT jti FROM revoked_access_tokens');
    expect(blocked.map((row) => row.jti).sort()).toEqual(
      [liveJti, decodePart(revokedToday.access_token, 1).jti as string].sort(),
    );
    // The logged-out token stays refused after housekeeping.
    expect((await http.get('/api/v1/users/me', { token: revokedToday.access_token })).status).toBe(
      401,
    );
    expect((await http.get('/api/v1/users/me', { token: live.access_token })).status).toBe(200);
  });
});

import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  expectFieldError,
  expectProblem,
  login,
  registerUser,
  type Reply,
  TestUser,
} from './support/app.js';
import { overtakenBy, sessionCount } from './support/database.js';
import { tokenIn } from './support/smtp.js';
import { RESET_URL, settled, useMailServer } from './support/mail-app.js';

const AUTH = '/api/v1/auth';
const NEW_PASSWORD = 'a brand new passphrase';

const { smtp, useMailApp } = useMailServer();

/**
 * One live reset link per account: the newest voids the others, also when requests race, and a
 * reset or a password change voids them all.
 */
describe('Password-reset links under concurrency (e2e, real SMTP)', () => {
  const suite = useMailApp();
  const { http } = suite;

  const forgot = (email: string) => http.post(`${AUTH}/password/forgot`, { body: { email } });
  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    http.post(`${AUTH}/password/reset`, { body: { token, newPassword } });

  /** The reset links mailed to the user, oldest first. */
  const mailedLinks = (user: TestUser) =>
    smtp
      .to(user.email)
      .filter((mail) => mail.raw.includes(RESET_URL))
      .map((mail) => tokenIn(mail, RESET_URL));

  /**
   * Live reset tokens written straight into the table, as concurrent issuing used to leave
   * them: what a reset or a password change must void.
   */
  async function plantLinks(user: TestUser, count: number): Promise<string[]> {
    const tokens = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
    for (const token of tokens) {
      await suite
        .app()
        .get(DataSource)
        .query(
          `INSERT INTO account_action_tokens (user_id, purpose, token_hash, expires_at)
           VALUES ($1, 'password-reset', $2, now() + interval '30 minutes')`,
          [user.id, createHash('sha256').update(token).digest('hex')],
        );
    }
    return tokens;
  }

  it('leaves only the last mailed link of six simultaneous requests working', async () => {
    const user = await registerUser(http);
    const replies = await Promise.all(Array.from({ length: 6 }, () => forgot(user.email)));
    expect(replies.map((reply) => reply.status)).toEqual([202, 202, 202, 202, 202, 202]);
    await settled(suite.app());

    const links = mailedLinks(user);
    expect(links).toHaveLength(6);
    const [last] = links.splice(-1);
    for (const older of links) expectProblem(await reset(older), 400, 'action-token-invalid');
    expect((await reset(last)).status).toBe(204);
  });

  it('lets only one of six links used at once reset the password, then none works', async () => {
    const user = await registerUser(http);
    const links = await plantLinks(user, 6);
    const passwords = links.map((_link, i) => `${NEW_PASSWORD} ${i}`);

    const replies = await Promise.all(links.map((link, i) => reset(link, passwords[i])));

    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 204)) {
      expectProblem(reply, 400, 'action-token-invalid');
    }
    for (const link of links) expectProblem(await reset(link), 400, 'action-token-invalid');
    await login(http, { email: user.email, password: passwords[statuses.indexOf(204)] });
  });

  it('voids every outstanding link once a reset has happened', async () => {
    const user = await registerUser(http);
    await forgot(user.email);
    await settled(suite.app());
    const [mailed] = mailedLinks(user);
    const planted = await plantLinks(user, 3);

    expect((await reset(mailed)).status).toBe(204);

    for (const older of planted) expectProblem(await reset(older), 400, 'action-token-invalid');
  });

  it('voids every outstanding link when the password is changed', async () => {
    const user = await registerUser(http);
    const tokens = await login(http, user);
    await forgot(user.email);
    await settled(suite.app());
    const links = [...mailedLinks(user), ...(await plantLinks(user, 3))];

    const changed = await http.post(`${AUTH}/password`, {
      token: tokens.access_token,
      body: { currentPassword: user.password, newPassword: NEW_PASSWORD },
    });
    expect(changed.status).toBe(204);

    for (const link of links) expectProblem(await reset(link), 400, 'action-token-invalid');
    await login(http, { email: user.email, password: NEW_PASSWORD });
  });

  it('leaves no link working that was issued before a password change racing it', async () => {
    const user = await registerUser(http);
    const tokens = await login(http, user);
    const planted = await plantLinks(user, 6);

    const [changed, ...replies] = await Promise.all([
      http.post(`${AUTH}/password`, {
        token: tokens.access_token,
        body: { currentPassword: user.password, newPassword: NEW_PASSWORD },
      }),
      ...planted.map((link, i) => reset(link, `${NEW_PASSWORD} ${i}`)),
    ]);

    const resets = replies.filter((reply) => reply.status === 204).length;
    expect(resets).toBeLessThanOrEqual(1);
    // A reset that commits first revokes every session, the one changing the password too, and
    // replaces the password the change confirmed: the change is refused, by the bearer check or
    // as a wrong current password. Otherwise the change wins and no link works any more.
    if (resets === 1 && changed.status === 401) expectProblem(changed, 401, 'token-revoked');
    else if (resets === 1) expectFieldError(changed, 'currentPassword');
    else expect(changed.status).toBe(204);
    for (const link of planted) expectProblem(await reset(link), 400, 'action-token-invalid');
  });

  it('leaves no session of the old password alive when logins race a reset', async () => {
    const user = await registerUser(http);
    const [link] = await plantLinks(user, 1);
    const logIn = () =>
      http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } });

    const [done, ...logins] = await Promise.all([reset(link), ...Array.from({ length: 6 }, logIn)]);

    expect(done.status).toBe(204);
    for (const reply of logins.filter((r) => r.status !== 200)) {
      expectProblem(reply, 401, 'invalid-credentials');
    }
    expect(await sessionCount(user.id, { live: true })).toBe(0);
  });

  /**
   * Logins and confirmations by password check the password before their transaction (hashing
   * is slow): a reset can commit in between. Here the test holds the user's row while the
   * request waits for it, and sets a new password as a reset would, before letting it go on.
   */
  describe('what the old password proved, once a reset overtook it', () => {
    const RESET_PASSWORD = 'the password the reset set';

    /** `request`, with a reset's new password committed while it waits for the user. */
    const overtaken = async (user: TestUser, request: () => Promise<Reply>) =>
      overtakenBy(
        user.id,
        {
          sql: 'UPDATE users SET password_hash = $2 WHERE id = $1',
          values: [await bcrypt.hash(RESET_PASSWORD, 4)],
        },
        request,
      );

    it('opens no session: the login is refused', async () => {
      const user = await registerUser(http);

      const loggedIn = await overtaken(user, () =>
        http.post(`${AUTH}/login`, { body: { email: user.email, password: user.password } }),
      );

      expectProblem(loggedIn, 401, 'invalid-credentials');
      expect(await sessionCount(user.id)).toBe(0);
    });

    it('refuses the password change and keeps the reset’s password', async () => {
      const user = await registerUser(http);
      const tokens = await login(http, user);

      const changed = await overtaken(user, () =>
        http.post(`${AUTH}/password`, {
          token: tokens.access_token,
          body: { currentPassword: user.password, newPassword: NEW_PASSWORD },
        }),
      );

      expectFieldError(changed, 'currentPassword');
      await login(http, { email: user.email, password: RESET_PASSWORD });
    });

    it('refuses the account deletion and keeps the account', async () => {
      const user = await registerUser(http);
      const tokens = await login(http, user);

      const deleted = await overtaken(user, () =>
        http.delete('/api/v1/users/me', {
          token: tokens.access_token,
          body: { password: user.password },
        }),
      );

      expectFieldError(deleted, 'password');
      await login(http, { email: user.email, password: RESET_PASSWORD });
    });
  });
});

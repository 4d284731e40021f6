import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { expectProblem, login, registerUser, TestUser } from './support/app.js';
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
    // A reset that commits first revokes every session, the one changing the password too, which
    // is then refused; otherwise the change wins and no link works any more.
    if (changed.status === 401) expect(resets).toBe(1);
    else expect(changed.status).toBe(204);
    for (const link of planted) expectProblem(await reset(link), 400, 'action-token-invalid');
  });
});

import { escapeHtml, MailContent } from '../mail.js';

export interface AccountLockedMail {
  username: string;
  /** The login name that was tried, as tried. */
  loginName: string;
  failures: number;
  lockedAt: Date;
  lockedUntil: Date;
  /** A one-use password-reset link; following it also unlocks. */
  resetLink: string;
  resetValidMinutes: number;
}

const utc = (at: Date) => `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export function accountLockedMail(mail: AccountLockedMail): MailContent {
  const what =
    `${mail.failures} logins in a row with a wrong password were tried for "${mail.loginName}", ` +
    `the last at ${utc(mail.lockedAt)}.`;
  const lock =
    `To protect your account, logins with that name are refused until ${utc(mail.lockedUntil)}. ` +
    'Each further wrong password after that keeps it locked twice as long (up to an hour); ' +
    'a successful login ends it.';
  const reset =
    'If this was not you, someone may be guessing your password. Setting a new password ' +
    'unlocks your account at once and signs you out everywhere:';
  const validity = `The link works once, for ${mail.resetValidMinutes} minutes. If it was you, you can ignore this mail.`;
  return {
    subject: 'Your account was locked after failed logins',
    text: [
      `Hello ${mail.username},`,
      '',
      what,
      lock,
      '',
      reset,
      '',
      mail.resetLink,
      '',
      validity,
    ].join('\n'),
    html: `<!doctype html>
<html>
  <body>
    <p>Hello ${escapeHtml(mail.username)},</p>
    <p>${escapeHtml(what)}</p>
    <p>${escapeHtml(lock)}</p>
    <p>${escapeHtml(reset)}</p>
    <p><a href="${escapeHtml(mail.resetLink)}">Reset my password</a></p>
    <p>Or paste this address into your browser:<br>${escapeHtml(mail.resetLink)}</p>
    <p>${escapeHtml(validity)}</p>
  </body>
</html>
`,
  };
}

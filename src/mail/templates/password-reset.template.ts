import { escapeHtml, MailContent } from '../mail.js';

export interface PasswordResetMail {
  username: string;
  link: string;
  validMinutes: number;
}

export function passwordResetMail({
  username,
  link,
  validMinutes,
}: PasswordResetMail): MailContent {
  return {
    subject: 'Reset your password',
    text: [
      `Hello ${username},`,
      '',
      'Someone asked to reset the password of your account. To choose a new password, open this link:',
      '',
      link,
      '',
      `The link works once, for ${validMinutes} minutes. Setting a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ].join('\n'),
    html: `<!doctype html>
<html>
  <body>
    <p>Hello ${escapeHtml(username)},</p>
    <p>Someone asked to reset the password of your account. To choose a new password, follow this link:</p>
    <p><a href="${escapeHtml(link)}">Reset my password</a></p>
    <p>Or paste this address into your browser:<br>${escapeHtml(link)}</p>
    <p>The link works once, for ${validMinutes} minutes. Setting a new password signs you out everywhere.</p>
    <p>If you did not ask for this, ignore this mail: your password stays as it is.</p>
  </body>
</html>
`,
  };
}

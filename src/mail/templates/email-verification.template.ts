import { escapeHtml, MailContent } from '../mail.js';

export interface EmailVerificationMail {
  username: string;
  link: string;
  validHours: number;
}

export function emailVerificationMail({
  username,
  link,
  validHours,
}: EmailVerificationMail): MailContent {
  return {
    subject: 'Confirm your email address',
    text: [
      `Hello ${username},`,
      '',
      'Please confirm that this is your email address by opening this link:',
      '',
      link,
      '',
      `The link works once, for ${validHours} hours.`,
      'If you did not create an account, ignore this mail.',
    ].join('\n'),
    html: `<!doctype html>
<html>
  <body>
    <p>Hello ${escapeHtml(username)},</p>
    <p>Please confirm that this is your email address:</p>
    <p><a href="${escapeHtml(link)}">Confirm my email address</a></p>
    <p>Or paste this address into your browser:<br>${escapeHtml(link)}</p>
    <p>The link works once, for ${validHours} hours.</p>
    <p>If you did not create an account, ignore this mail.</p>
  </body>
</html>
`,
  };
}

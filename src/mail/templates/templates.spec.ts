import { describe, expect, it } from '@jest/globals';
import { emailVerificationMail } from './email-verification.template.js';
import { passwordResetMail } from './password-reset.template.js';

const link =
  'https://app.example.com/reset?lang=en&token=q0Zr3l0QpN4c8mW5xY2bV7tK1sJ9hF6dG3aE0uI8oPw';

describe('mail templates', () => {
  it.each([
    [
      'password reset',
      passwordResetMail({ username: 'ada_l', link, validMinutes: 30 }),
      '30 minutes',
    ],
    [
      'email verification',
      emailVerificationMail({ username: 'ada_l', link, validHours: 24 }),
      '24 hours',
    ],
  ])('%s: the link and its lifetime in both bodies', (_name, mail, lifetime) => {
    expect(mail.subject).not.toBe('');
    expect(mail.text).toContain(link);
    expect(mail.text).toContain(lifetime);
    expect(mail.text).not.toMatch(/<[a-z]/i);
    const htmlLink = link.replace(/&/g, '&amp;');
    expect(mail.html).toContain(`href="${htmlLink}"`);
    expect(mail.html).toContain(lifetime);
  });

  it('escapes user input in the HTML body', () => {
    const mail = passwordResetMail({
      username: '<script>alert("x")</script>',
      link,
      validMinutes: 30,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

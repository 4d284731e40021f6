import { describe, expect, it } from '@jest/globals';
import { accountLockedMail } from './account-locked.template.js';
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
    [
      'account locked',
      accountLockedMail({
        username: 'ada_l',
        loginName: 'ada@example.com',
        failures: 10,
        lockedAt: new Date('2026-12-05T10:00:00Z'),
        lockedUntil: new Date('2026-12-05T10:01:00Z'),
        resetLink: link,
        resetValidMinutes: 30,
      }),
      '30 minutes',
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

  it('says when the account was locked, until when, and that a reset unlocks it', () => {
    const mail = accountLockedMail({
      username: 'ada_l',
      loginName: '<b>ada</b>',
      failures: 10,
      lockedAt: new Date('2026-12-05T10:00:00Z'),
      lockedUntil: new Date('2026-12-05T10:01:00Z'),
      resetLink: link,
      resetValidMinutes: 30,
    });
    expect(mail.text).toContain('2026-12-05 10:00:00 UTC');
    expect(mail.text).toContain('2026-12-05 10:01:00 UTC');
    expect(mail.text).toMatch(/new password\s+unlocks/);
    expect(mail.html).not.toContain('<b>ada</b>');
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

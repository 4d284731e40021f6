import { describe, expect, it } from '@jest/globals';
import { AppException } from '../errors/app.exception.js';
import { assertPasswordAllowed, isCommonPassword } from './password.policy.js';

const identity = { email: 'ada@example.com', username: 'Ada_L' };

function fieldErrorOf(run: () => void) {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as AppException).options.errors?.[0];
  }
}

describe(assertPasswordAllowed.name, () => {
  it('accepts an uncommon password', () => {
    expect(
      fieldErrorOf(() => assertPasswordAllowed('correct horse battery staple', identity)),
    ).toBeUndefined();
  });

  it('refuses the email or the username, ignoring case', () => {
    expect(fieldErrorOf(() => assertPasswordAllowed('ADA@EXAMPLE.COM', identity))?.field).toBe(
      'password',
    );
    expect(fieldErrorOf(() => assertPasswordAllowed('ada_l', identity, 'newPassword'))?.field).toBe(
      'newPassword',
    );
  });

  it('refuses common passwords, ignoring case', () => {
    for (const common of ['password', 'Password1', 'qwertyuiop', 'BASEBALL', '1qaz2wsx']) {
      expect(isCommonPassword(common)).toBe(true);
      expect(fieldErrorOf(() => assertPasswordAllowed(common, identity))?.message).toMatch(
        /common/,
      );
    }
  });
});

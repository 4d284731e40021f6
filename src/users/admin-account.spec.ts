import { describe, expect, it } from '@jest/globals';
import { checkAdminAccount } from './admin-account.js';

describe(checkAdminAccount.name, () => {
  it('names each field that breaks the rules of registration', async () => {
    expect(await checkAdminAccount({ email: 'nope', username: 'x', password: 'short' })).toEqual({
      valid: false,
      errors: [
        expect.objectContaining({ field: 'email' }),
        expect.objectContaining({ field: 'username' }),
        expect.objectContaining({ field: 'password' }),
      ],
    });
  });

  it('hands back the account normalised as registration stores it', async () => {
    expect(
      await checkAdminAccount({
        email: '  Root@Example.COM ',
        username: 'root_1',
        password: 'a long admin passphrase',
      }),
    ).toEqual({
      valid: true,
      account: {
        email: 'root@example.com',
        username: 'root_1',
        password: 'a long admin passphrase',
      },
    });
  });
});

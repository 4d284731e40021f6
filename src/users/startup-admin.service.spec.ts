import { describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { automock } from '../../test/support/strict-mock.js';
import type { Environment } from '../config/environment.js';
import { StartupAdminService } from './startup-admin.service.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

function setUp(variables: Partial<Environment>) {
  const users = automock(UsersService);
  const config = { get: (name: keyof Environment) => variables[name] };
  const sut = new StartupAdminService(users, config as unknown as ConfigService<Environment, true>);
  return { sut, users };
}

describe(StartupAdminService.name, () => {
  it('does nothing without the ADMIN_* variables', async () => {
    const { sut } = setUp({});
    // The strict mock fails the test on any call to UsersService.
    await expect(sut.onApplicationBootstrap()).resolves.toBeUndefined();
  });

  it('creates the admin from the checked, normalised account', async () => {
    const { sut, users } = setUp({
      ADMIN_EMAIL: 'Boot@Example.com',
      ADMIN_USERNAME: 'boot_admin',
      ADMIN_PASSWORD: 'boot admin passphrase',
    });
    users.createAdmin.mockResolvedValueOnce({
      user: { username: 'boot_admin' } as User,
      created: true,
    });
    await sut.onApplicationBootstrap();
    expect(users.createAdmin).toHaveBeenCalledWith({
      email: 'boot@example.com',
      username: 'boot_admin',
      password: 'boot admin passphrase',
    });
  });

  it('stops the start, naming the variable, for an account registration would refuse', async () => {
    const { sut } = setUp({
      ADMIN_EMAIL: 'not an address',
      ADMIN_USERNAME: 'boot_admin',
      ADMIN_PASSWORD: 'boot admin passphrase',
    });
    await expect(sut.onApplicationBootstrap()).rejects.toThrow(/ADMIN_EMAIL: /);
  });
});

import { describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcryptjs';
import type { Environment } from '../config/environment.js';
import { PasswordService } from './password.service.js';

const config = new ConfigService<Environment, true>({ BCRYPT_ROUNDS: 4 });

describe(PasswordService.name, () => {
  const sut = new PasswordService(config);

  it('hashes with bcrypt at BCRYPT_ROUNDS and verifies', async () => {
    const hash = await sut.hash('correct horse battery');
    expect(bcrypt.getRounds(hash)).toBe(4);
    expect(hash).not.toContain('correct horse');
    await expect(sut.verify('correct horse battery', hash)).resolves.toBe(true);
    await expect(sut.verify('wrong horse battery', hash)).resolves.toBe(false);
  });

  it('still runs one bcrypt comparison when there is no user, and fails', async () => {
    const compare = jest.spyOn(bcrypt, 'compare');
    await expect(sut.verify('any password at all', undefined)).resolves.toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
    compare.mockRestore();
  });
});

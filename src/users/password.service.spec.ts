import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcryptjs';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Environment } from '../config/environment.js';
import { PasswordPool, PasswordPoolBusyError } from './password.pool.js';
import { PasswordService } from './password.service.js';

const config = new ConfigService<Environment, true>({ BCRYPT_ROUNDS: 4 });

describe(PasswordService.name, () => {
  const pool = new PasswordPool({ threads: 1, maxQueue: 8 });
  const sut = new PasswordService(config, pool);
  afterAll(() => pool.destroy());

  it('hashes with bcrypt at BCRYPT_ROUNDS and verifies', async () => {
    const hash = await sut.hash('correct horse battery');
    expect(bcrypt.getRounds(hash)).toBe(4);
    await expect(sut.verify('correct horse battery', hash)).resolves.toBe(true);
    await expect(sut.verify('wrong horse battery', hash)).resolves.toBe(false);
  });

  it('still runs one bcrypt comparison when there is no user, and fails', async () => {
    const compare = jest.spyOn(pool, 'compare');
    await expect(sut.verify('any password at all', undefined)).resolves.toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
    expect(bcrypt.getRounds(compare.mock.calls[0][1])).toBe(4);
    compare.mockRestore();
  });

  it('answers a full queue with 503 service-unavailable and Retry-After', async () => {
    const compare = jest.spyOn(pool, 'compare').mockRejectedValueOnce(new PasswordPoolBusyError(3));
    const refused = await sut.verify('a password', '$2b$04$hash').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppException);
    expect(refused).toMatchObject({
      problem: Problem.ServiceUnavailable,
      options: { headers: { 'retry-after': '3' } },
    });
    compare.mockRestore();
  });
});

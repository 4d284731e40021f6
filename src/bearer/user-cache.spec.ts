import { describe, expect, it } from '@jest/globals';
import { Role } from '../common/principal/principal.js';
import type { Principal } from '../common/principal/principal.js';
import { UserCache } from './user-cache.js';

const user = (id: string): Principal => ({
  id,
  email: `${id}@example.com`,
  username: id,
  name: null,
  role: Role.User,
  isActive: true,
  emailVerified: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe(UserCache.name, () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const sut = new UserCache(2);
    sut.remember(sut.version, user('a'));
    sut.remember(sut.version, user('b'));
    expect(sut.get('a')?.id).toBe('a');
    sut.remember(sut.version, user('c'));
    expect([sut.get('a')?.id, sut.get('b'), sut.get('c')?.id]).toEqual(['a', undefined, 'c']);
  });

  it('does not keep a read that a change overtook', () => {
    const sut = new UserCache(10);
    const asOf = sut.version;
    sut.forget('a');
    expect(sut.remember(asOf, user('a'))).toBe(false);
    expect(sut.get('a')).toBeUndefined();
    expect(sut.remember(sut.version, user('a'))).toBe(true);
  });

  it('drops a user on its notification, and everyone on a clear', () => {
    const sut = new UserCache(10);
    sut.remember(sut.version, user('a'));
    sut.remember(sut.version, user('b'));
    sut.forget('a');
    expect(sut.get('a')).toBeUndefined();
    expect(sut.get('b')?.id).toBe('b');
    sut.clear();
    expect(sut.size).toBe(0);
  });

  it('keeps nothing with a capacity of 0', () => {
    const sut = new UserCache(0);
    expect(sut.remember(sut.version, user('a'))).toBe(false);
  });
});

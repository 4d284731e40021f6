import { describe, expect, it } from '@jest/globals';
import { aPrincipal } from '../../test/support/principal.js';
import { serializeAnswer } from '../common/http/answer-body.js';
import { type Principal, Role } from '../common/principal/principal.js';
import { UserDto } from './user.dto.js';

const aUser = () => aPrincipal({ updatedAt: new Date('2026-11-22T10:00:00.000Z') });

describe(UserDto.name, () => {
  it('shows what a user may see of an account, dates as ISO strings', () => {
    expect(UserDto.from({ ...aUser(), passwordHash: 'secret' } as Principal)).toEqual({
      id: 'user-1',
      email: 'ada@example.com',
      username: 'ada_l',
      name: null,
      role: Role.User,
      isActive: true,
      emailVerified: true,
      createdAt: '2026-11-21T10:00:00.000Z',
      updatedAt: '2026-11-22T10:00:00.000Z',
    });
  });

  it('makes the view of a frozen user once and shares it, frozen', () => {
    const user = Object.freeze(aUser());
    const view = UserDto.from(user);
    expect(UserDto.from(user)).toBe(view);
    expect(Object.isFrozen(view)).toBe(true);
    expect(UserDto.from(Object.freeze({ ...user, name: 'Ada' })).name).toBe('Ada');
  });

  it('serializes the shared view once: it holds no object that could still change', () => {
    const view = UserDto.from(Object.freeze(aUser()));
    expect(Object.values(view).filter((value) => typeof value === 'object' && value)).toEqual([]);
    const json = serializeAnswer(view);
    expect(json).toBe(JSON.stringify({ ...view }));
    expect(serializeAnswer(view)).toBe(json);
  });

  it('makes a new view of a user that may still change', () => {
    const user = aUser();
    const first = UserDto.from(user);
    user.name = 'Ada';
    expect(UserDto.from(user)).not.toBe(first);
    expect(UserDto.from(user).name).toBe('Ada');
    expect(Object.isFrozen(first)).toBe(false);
  });
});

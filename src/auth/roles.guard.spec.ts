import { describe, expect, it } from '@jest/globals';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Roles } from '../common/decorators/roles.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { Role } from '../common/principal/principal.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { RolesGuard } from './roles.guard.js';

class Routes {
  open() {}

  @Roles(Role.Admin)
  adminOnly() {}
}

function contextFor(handler: keyof Routes, caller?: { role: Role; claim: Role }): ExecutionContext {
  const user =
    caller &&
    ({
      user: { role: caller.role },
      token: { role: caller.claim },
    } as unknown as AuthenticatedUser);
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

describe(RolesGuard.name, () => {
  const sut = new RolesGuard(new Reflector());

  it('lets anyone through a route without @Roles', () => {
    expect(sut.canActivate(contextFor('open'))).toBe(true);
    expect(sut.canActivate(contextFor('open', { role: Role.User, claim: Role.User }))).toBe(true);
  });

  it('lets an admin through an admin route', () => {
    expect(sut.canActivate(contextFor('adminOnly', { role: Role.Admin, claim: Role.Admin }))).toBe(
      true,
    );
  });

  it('answers 403 forbidden to a user on an admin route', () => {
    expect(() =>
      sut.canActivate(contextFor('adminOnly', { role: Role.User, claim: Role.User })),
    ).toThrow(expect.objectContaining({ problem: Problem.Forbidden }));
  });

  it('goes by the current role in the database, not the role claim in the token', () => {
    expect(() =>
      sut.canActivate(contextFor('adminOnly', { role: Role.User, claim: Role.Admin })),
    ).toThrow(expect.objectContaining({ problem: Problem.Forbidden }));
    expect(sut.canActivate(contextFor('adminOnly', { role: Role.Admin, claim: Role.User }))).toBe(
      true,
    );
  });

  it('refuses an admin route when nobody is authenticated', () => {
    expect(() => sut.canActivate(contextFor('adminOnly'))).toThrow(
      expect.objectContaining({ problem: Problem.Forbidden }),
    );
  });
});

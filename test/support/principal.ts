import { type Principal, Role } from '../../src/common/principal/principal.js';

/** An active user's account as the bearer check sees it, for unit specs. */
export function aPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    id: 'user-1',
    email: 'ada@example.com',
    username: 'ada_l',
    name: null,
    role: Role.User,
    isActive: true,
    emailVerified: true,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    updatedAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

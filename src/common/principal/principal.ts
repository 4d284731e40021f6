import type { FastifyRequest } from 'fastify';

/**
 * Who is calling: the vocabulary every feature shares (guards, decorators, services), kept
 * here so that none of them has to import the users or auth feature to name it.
 */
export enum Role {
  User = 'user',
  Admin = 'admin',
}

/** Authentication assurance level of a login (NIST SP 800-63B). */
export type AuthAssurance = 'aal1' | 'aal2';

/**
 * How a session's user proved who they are: RFC 8176 method names (`pwd`, `hwk`, `user`, ...)
 * and the assurance level they add up to. Kept with the session, so a refresh keeps them.
 */
export interface SessionAuthentication {
  amr: string[];
  aal: AuthAssurance;
}

/** A password login. */
export const PASSWORD_AUTHENTICATION: SessionAuthentication = { amr: ['pwd'], aal: 'aal1' };

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  role: Role;
  username: string;
  /** Absent only from tokens signed before sessions recorded how their login was made. */
  amr?: string[];
  aal?: AuthAssurance;
}

/** The caller's account as it is now (the users row, without its password hash). */
export interface Principal {
  id: string;
  email: string;
  username: string;
  name: string | null;
  role: Role;
  isActive: boolean;
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The caller of an authenticated request: the current account and the token it presented. */
export interface AuthenticatedUser {
  user: Principal;
  token: AccessTokenClaims;
}

/** A request as the bearer guard leaves it: `user` is set once the caller is known. */
export type CallerRequest = FastifyRequest & { user?: AuthenticatedUser };

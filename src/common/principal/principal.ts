import type { FastifyRequest } from 'fastify';

/**
 * Who is calling: the vocabulary every feature shares (guards, decorators, services), kept
 * here so that none of them has to import the users or auth feature to name it.
 */
export enum Role {
  User = 'user',
  Admin = 'admin',
}

/** Authentication assurance level: `aal2` when a second factor was used. */
export type Aal = 'aal1' | 'aal2';

/** How a session's login was made: RFC 8176 method references and the assurance level. */
export interface Authentication {
  amr: string[];
  aal: Aal;
}

export const PASSWORD_LOGIN: Authentication = { amr: ['pwd'], aal: 'aal1' };
export const PASSWORD_AND_OTP_LOGIN: Authentication = { amr: ['pwd', 'otp'], aal: 'aal2' };

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
  /** Absent from tokens issued before MFA existed: read as a password login. */
  amr?: string[];
  aal?: Aal;
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
  /** Frozen: shared by every request of this user while the bearer check's memory holds it. */
  user: Readonly<Principal>;
  token: AccessTokenClaims;
}

/** A request as the bearer guard leaves it: `user` is set once the caller is known. */
export type CallerRequest = FastifyRequest & { user?: AuthenticatedUser };

import type { User } from '../users/user.entity.js';
import type { AccessTokenClaims } from './access-token.service.js';

/** The caller of an authenticated request: the current user row and the token it presented. */
export interface AuthenticatedUser {
  user: User;
  token: AccessTokenClaims;
}

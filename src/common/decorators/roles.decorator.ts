import { SetMetadata } from '@nestjs/common';
import type { Role } from '../principal/principal.js';

export const ROLES = 'roles';

/** Limits a route (or a controller) to callers whose current role is one of these. */
export const Roles = (...roles: `${Role}`[]) => SetMetadata(ROLES, roles);

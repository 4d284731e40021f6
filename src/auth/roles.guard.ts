import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES } from '../common/decorators/roles.decorator.js';
import { RouteMetadata } from '../common/decorators/route-metadata.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { Role } from '../common/principal/principal.js';
import type { CallerRequest } from '../common/principal/principal.js';

/**
 * The second global guard, after JwtAuthGuard: a route marked `@Roles(...)` needs one of
 * those roles. It reads the role of the user row loaded for this request, not the token's
 * `role` claim, so a demotion counts at once even for a token issued before it.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles = new RouteMetadata((handler, controller) =>
    this.reflector.getAllAndOverride<`${Role}`[] | undefined>(ROLES, [handler, controller]),
  );

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.roles.of(context);
    if (!roles?.length) return true;
    const request = context.switchToHttp().getRequest<CallerRequest>();
    const role = request.user?.user.role;
    if (role === undefined || !roles.includes(role)) {
      throw new AppException(Problem.Forbidden, `This route needs the ${roles.join(' or ')} role.`);
    }
    return true;
  }
}

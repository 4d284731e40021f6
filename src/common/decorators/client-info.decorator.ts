import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../principal/client-info.js';

/** The caller's user agent and IP (the socket's, or the proxy's view with TRUST_PROXY). */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userAgent = request.headers['user-agent'];
    return {
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
      ip: request.ip ? request.ip.slice(0, 64) : null,
    };
  },
);

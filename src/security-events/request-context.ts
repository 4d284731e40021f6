import type { FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthenticatedUser } from '../common/principal/principal.js';

/**
 * The request being served, so that a security event records who, from where and under which
 * request id without every service method taking those as parameters.
 */
const storage = new AsyncLocalStorage<FastifyRequest>();

/**
 * Runs the rest of a request's handling inside its context (a Fastify preHandler hook). Reads
 * record no events, so GET and HEAD skip it and keep the hot path (bearer checks) as it was.
 */
export function bindRequestContext(request: FastifyRequest, _reply: unknown, done: () => void) {
  if (request.method === 'GET' || request.method === 'HEAD') return done();
  storage.run(request, done);
}

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** The authenticated caller and the session of their token, when there is one. */
  callerId: string | null;
  callerSessionId: string | null;
}

const NO_REQUEST: RequestContext = {
  ip: null,
  userAgent: null,
  requestId: null,
  callerId: null,
  callerSessionId: null,
};

/** The context of the current request; all null outside one (the CLI, a scheduled job). */
export function currentRequestContext(): RequestContext {
  const request = storage.getStore();
  if (!request) return NO_REQUEST;
  const userAgent = request.headers['user-agent'];
  const caller = (request as FastifyRequest & { user?: AuthenticatedUser }).user;
  return {
    ip: request.ip ? request.ip.slice(0, 64) : null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
    requestId: String(request.id).slice(0, 128),
    callerId: caller?.user?.id ?? null,
    callerSessionId: caller?.token?.sid ?? null,
  };
}

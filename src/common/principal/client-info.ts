import type { FastifyRequest } from 'fastify';

/** Where a request came from, as sessions and security events record it. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
  /** The request's id (its `x-request-id`, or one made for it), to find its log lines. */
  requestId: string | null;
}

/** No request at all: the CLI, the start-up admin, a scheduled job. */
export const NO_CLIENT: ClientInfo = Object.freeze({ userAgent: null, ip: null, requestId: null });

/** The caller's user agent, IP (the socket's, or the proxy's view with TRUST_PROXY) and request id. */
export function clientInfoOf(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return {
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
    ip: request.ip ? request.ip.slice(0, 64) : null,
    requestId: String(request.id).slice(0, 128),
  };
}

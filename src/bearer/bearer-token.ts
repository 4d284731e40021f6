import { ExtractJwt } from 'passport-jwt';

type Headers = Record<string, string | string[] | undefined>;
interface WithHeaders {
  headers: Headers;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `Authorization: Bearer <token>`; any other scheme (Basic) or an empty Bearer is no token. */
export function fromBearerHeader(request: WithHeaders): string | null {
  const authorization = single(request.headers.authorization)?.trim();
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match ? match[1] : null;
}

/** The legacy `x-access-token` header. */
export function fromAccessTokenHeader(request: WithHeaders): string | null {
  const legacy = single(request.headers['x-access-token'])?.trim();
  return legacy ? legacy : null;
}

/** The access token of a request: `Authorization: Bearer <token>` first, else `x-access-token`. */
export const accessTokenFromRequest = ExtractJwt.fromExtractors<WithHeaders>([
  fromBearerHeader,
  fromAccessTokenHeader,
]);

export function extractBearerToken(headers: Headers): string | undefined {
  return accessTokenFromRequest({ headers }) ?? undefined;
}

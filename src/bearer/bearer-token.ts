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

const BEARER_SCHEME = /^Bearer\s+/i;

/**
 * The key under which a request's token may be found among the tokens already verified
 * (VerifiedTokens), read without the whole check of `accessTokenFromRequest`: what follows
 * `Bearer` and its whitespace is taken as it is, not scanned for whitespace of its own. That
 * scan (the `\S+$` of fromBearerHeader, a backtracking step per character of a token a few
 * hundred characters long) was about 4 % of the instructions of a request with a remembered
 * token. It needs no doing here: VerifiedTokens answers only a token verified before, compared
 * whole, and a verified token holds no whitespace (jws refuses any character but base64url's
 * and dots), so a candidate that holds some is never found; it goes to passport-jwt, whose
 * extractor is `accessTokenFromRequest`. Never remember a token under its candidate.
 */
export function rememberedTokenCandidate(request: WithHeaders): string | null {
  const authorization = single(request.headers.authorization)?.trim() ?? '';
  const scheme = BEARER_SCHEME.exec(authorization);
  if (!scheme) return fromAccessTokenHeader(request);
  return authorization.slice(scheme[0].length) || null;
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

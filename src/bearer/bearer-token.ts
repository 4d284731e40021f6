import { ExtractJwt } from 'passport-jwt';

type Headers = Record<string, string | string[] | undefined>;
interface WithHeaders {
  headers: Headers;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const BEARER_SCHEME = /^Bearer\s+/i;
const WHITESPACE = /\s/;

/** What follows `Bearer` and its whitespace in the Authorization header, as it is. */
function afterBearerScheme(request: WithHeaders): string | null {
  const authorization = single(request.headers.authorization)?.trim() ?? '';
  const scheme = BEARER_SCHEME.exec(authorization);
  return scheme ? authorization.slice(scheme[0].length) || null : null;
}

/**
 * `Authorization: Bearer <token>`; any other scheme (Basic), an empty Bearer or one holding
 * whitespace is no token.
 */
export function fromBearerHeader(request: WithHeaders): string | null {
  const token = afterBearerScheme(request);
  return token && !WHITESPACE.test(token) ? token : null;
}

/**
 * The key under which a request's token may be found among the tokens already verified
 * (VerifiedTokens): `accessTokenFromRequest` without fromBearerHeader's whitespace check, a
 * scan of a token a few hundred characters long (as `/^Bearer\s+(\S+)$/i`, a backtracking
 * step per character: about 4 % of the instructions of a request with a remembered token). It
 * needs no doing here: VerifiedTokens answers only a token verified before, compared whole,
 * and a verified token holds no whitespace (jws refuses any character but base64url's and
 * dots), so a candidate that holds some is never found; it goes to passport-jwt, whose
 * extractor is `accessTokenFromRequest`. Never remember a token under its candidate.
 */
export function rememberedTokenCandidate(request: WithHeaders): string | null {
  return afterBearerScheme(request) ?? fromAccessTokenHeader(request);
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

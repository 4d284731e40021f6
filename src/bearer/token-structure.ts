import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface TokenHeader {
  kid?: string;
}

function malformed(detail = 'The access token is invalid.'): AppException {
  return new AppException(Problem.TokenInvalid, detail);
}

/**
 * What RFC 7515 and 7519 ask of a JWS before anything trusts it, read from the token itself
 * (jsonwebtoken checks none of it): three base64url parts; a header and a payload that are JSON
 * objects with no member named twice (JSON.parse would keep the last, another parser the
 * first); no `crit`, as we understand no extension, so none may be critical; no `b64`
 * (RFC 7797), whose unencoded payloads we do not verify; a `kid`, if any, that is a string.
 */
export function readTokenHeader(token: string): TokenHeader {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw malformed();
  const header = jsonObject(parts[0]);
  jsonObject(parts[1]);
  if ('crit' in header) {
    throw malformed(
      'The access token names a critical header extension this service does not understand.',
    );
  }
  if ('b64' in header) throw malformed('The access token has an unencoded (b64) payload.');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw malformed();
  return { kid: header.kid };
}

function jsonObject(part: string): Record<string, unknown> {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  if (hasDuplicateMembers(text)) throw malformed('The access token names a member twice.');
  return value as Record<string, unknown>;
}

/** True when an object of `json` (valid JSON) names a member twice, escapes decoded. */
export function hasDuplicateMembers(json: string): boolean {
  // One entry per open container: the names met so far in an object, null in an array.
  const open: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const names = open.at(-1);
      if (names && expectName) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (char === '{') {
      open.push(new Set());
      expectName = true;
    } else if (char === '[') {
      open.push(null);
      expectName = false;
    } else if (char === '}' || char === ']') {
      open.pop();
      expectName = false;
    } else if (char === ',') {
      expectName = open.at(-1) instanceof Set;
    }
  }
  return false;
}

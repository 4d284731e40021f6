type Headers = Record<string, string | string[] | undefined>;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The access token of a request: `Authorization: Bearer <token>` first, else the legacy
 * `x-access-token` header. Any other scheme (Basic) or an empty Bearer is no token.
 */
export function extractBearerToken(headers: Headers): string | undefined {
  const authorization = single(headers.authorization)?.trim();
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (match) return match[1];
  const legacy = single(headers['x-access-token'])?.trim();
  return legacy ? legacy : undefined;
}

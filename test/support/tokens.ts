import { importPKCS8, JWTPayload, SignJWT } from 'jose';

export const algorithm = process.env.JWT_ALGORITHM ?? 'HS256';

/** Signs claims with the key the app under test uses (HS256 secret or the private key). */
export async function signWithAppKey(claims: JWTPayload, typ = 'at+jwt'): Promise<string> {
  const key =
    algorithm === 'HS256'
      ? new TextEncoder().encode(process.env.JWT_SECRET)
      : await importPKCS8(String(process.env.JWT_PRIVATE_KEY), algorithm);
  return new SignJWT(claims).setProtectedHeader({ alg: algorithm, typ }).sign(key);
}

/** The JSON of a JWT's header (0) or payload (1), read without checking the signature. */
export function decodePart(token: string, part: 0 | 1): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString('utf8'));
}

export const headerOf = (token: string) => decodePart(token, 0);
export const claimsOf = (token: string) => decodePart(token, 1);

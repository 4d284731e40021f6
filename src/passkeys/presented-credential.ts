/** What we read of a browser's `credential.toJSON()` before handing it to the verifier. */
export interface PresentedCredential {
  /** The credential id, base64url. */
  id: string;
  /** The challenge the browser says it signed, from clientDataJSON. */
  challenge: string;
  /** The user handle an authenticator returns with a discoverable credential. */
  userHandle?: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CREDENTIAL_ID = 1364;
const MAX_CHALLENGE = 128;
const MAX_CLIENT_DATA = 8192;

const isBase64Url = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length <= max && BASE64URL.test(value);

/**
 * The credential id, challenge and user handle of a registration or authentication response;
 * undefined when it does not have the shape of one. The verifier checks everything else.
 */
export function readPresentedCredential(credential: unknown): PresentedCredential | undefined {
  if (typeof credential !== 'object' || credential === null) return undefined;
  const { id, response } = credential as { id?: unknown; response?: unknown };
  if (!isBase64Url(id, MAX_CREDENTIAL_ID)) return undefined;
  if (typeof response !== 'object' || response === null) return undefined;
  const { clientDataJSON, userHandle } = response as {
    clientDataJSON?: unknown;
    userHandle?: unknown;
  };
  if (!isBase64Url(clientDataJSON, MAX_CLIENT_DATA)) return undefined;
  if (userHandle !== undefined && userHandle !== null && !isBase64Url(userHandle, 128)) {
    return undefined;
  }
  let challenge: unknown;
  try {
    const clientData = JSON.parse(
      Buffer.from(clientDataJSON, 'base64url').toString('utf8'),
    ) as unknown;
    challenge = (clientData as { challenge?: unknown } | null)?.challenge;
  } catch {
    return undefined;
  }
  if (!isBase64Url(challenge, MAX_CHALLENGE)) return undefined;
  return { id, challenge, ...(typeof userHandle === 'string' && { userHandle }) };
}

/**
 * The WebAuthn user handle of a user: the UTF-8 bytes of their id (a random UUID, so it says
 * nothing about the person). Discoverable credentials hand it back at sign-in.
 */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(userId);
}

/** The user handle as `credential.toJSON()` carries it: base64url. */
export function encodedUserHandleOf(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url');
}

/** Swagger examples of what the browser's `credential.toJSON()` gives and the options it takes. */
export const REGISTRATION_RESPONSE_EXAMPLE = {
  id: 'pXv4Zq2m8yR3Jx1c0XcQ3w',
  rawId: 'pXv4Zq2m8yR3Jx1c0XcQ3w',
  type: 'public-key',
  response: {
    clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoi...',
    attestationObject: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVi...',
    transports: ['internal'],
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};

export const AUTHENTICATION_RESPONSE_EXAMPLE = {
  id: 'pXv4Zq2m8yR3Jx1c0XcQ3w',
  rawId: 'pXv4Zq2m8yR3Jx1c0XcQ3w',
  type: 'public-key',
  response: {
    clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoi...',
    authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
    signature: 'MEUCIQDx...',
    userHandle: 'NmYxYzJmN2UtOGYwZS00YTU3LTlkNTUtM2I4YzlmMWUyYTEw',
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};

export const CREATION_OPTIONS_EXAMPLE = {
  challenge: 'q1bN0d2b9m4kT8yV3zW7xA5cE6fG0hJ1kL2mN3oP4qR',
  rp: { name: 'auth-service', id: 'localhost' },
  user: {
    id: 'NmYxYzJmN2UtOGYwZS00YTU3LTlkNTUtM2I4YzlmMWUyYTEw',
    name: 'ada_l',
    displayName: 'Ada Lovelace',
  },
  pubKeyCredParams: [
    { alg: -8, type: 'public-key' },
    { alg: -7, type: 'public-key' },
    { alg: -257, type: 'public-key' },
  ],
  timeout: 300000,
  attestation: 'none',
  excludeCredentials: [],
  authenticatorSelection: {
    residentKey: 'preferred',
    userVerification: 'preferred',
    requireResidentKey: false,
  },
  extensions: { credProps: true },
  hints: [],
};

export const REQUEST_OPTIONS_EXAMPLE = {
  rpId: 'localhost',
  challenge: 'q1bN0d2b9m4kT8yV3zW7xA5cE6fG0hJ1kL2mN3oP4qR',
  timeout: 300000,
  userVerification: 'preferred',
};

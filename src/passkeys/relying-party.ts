import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type Environment, webAuthnOrigins } from '../config/environment.js';

/** Seconds a challenge, and so a browser's ceremony, may take. */
export const CHALLENGE_TTL_SECONDS = 300;

/** This service as a WebAuthn relying party (WEBAUTHN_RP_ID, _RP_NAME, _ORIGINS). */
@Injectable()
export class RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: string[];

  constructor(config: ConfigService<Environment, true>) {
    this.id = config.get('WEBAUTHN_RP_ID', { infer: true });
    this.name = config.get('WEBAUTHN_RP_NAME', { infer: true });
    this.origins = webAuthnOrigins({ WEBAUTHN_ORIGINS: config.get('WEBAUTHN_ORIGINS') });
  }
}

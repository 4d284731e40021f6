import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import {
  type Environment,
  type JwtAlgorithm,
  keyEncryptionKeyBytes,
} from '../config/environment.js';
import { type PublicJwk, unseal, usableKey, type UsableKey } from './key-material.js';
import {
  keyStatus,
  type KeyStatus,
  leavesAt,
  lingerMs,
  mayVerify,
  signingKeyOf,
} from './key-schedule.js';
import { type SigningKeyRow, SigningKeysRepository } from './signing-keys.repository.js';

/** How often keys are re-read while no notification can tell this instance of a change. */
const POLL_MS = 500;
/** How often they are re-read anyway (a notification lost with a connection). */
const SAFETY_READ_MS = 30_000;

interface RingKey extends SigningKeyRow {
  usable?: UsableKey;
}

/**
 * This instance's copy of the signing keys, of the configured algorithm: which signs, which
 * verify, which are published. A key's state follows from its times (key-schedule), read against
 * the database's clock (the offset measured at each read), so every instance switches keys at
 * the same moment without being told. Changes (a rotation, a revocation) are re-read when the
 * `auth_state` feed says so, or every POLL_MS while notifications do not reach this instance.
 */
@Injectable()
export class KeyRing {
  private readonly logger = new Logger(KeyRing.name);
  private readonly algorithm: JwtAlgorithm;
  private readonly kek?: Buffer;
  private readonly linger: number;
  private keys: RingKey[] = [];
  private offsetMs = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private fingerprint = '';
  private reading?: Promise<void>;
  private again = false;
  private notified: () => boolean = () => false;
  private readonly listeners: (() => void)[] = [];
  /** The JWK Set as last serialized, from which read of the keys, and until when it holds. */
  private published: { from: RingKey[]; until: number; document: string } = {
    from: [],
    until: Number.NEGATIVE_INFINITY,
    document: '{"keys":[]}',
  };

  constructor(
    private readonly repository: SigningKeysRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.algorithm = config.get('JWT_ALGORITHM', { infer: true });
    const kek = config.get('JWT_KEY_ENCRYPTION_KEY', { infer: true });
    this.kek = kek ? keyEncryptionKeyBytes(kek) : undefined;
    this.linger = lingerMs(config.get('JWT_ACCESS_TTL', { infer: true }));
  }

  get lingerMs(): number {
    return this.linger;
  }

  /** The key-encryption key; the app does not start without one. */
  get keyEncryptionKey(): Buffer {
    if (!this.kek) throw new Error('JWT_KEY_ENCRYPTION_KEY is not set');
    return this.kek;
  }

  /** Now, on the database's clock. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** `source` says whether key notifications reach this instance (else it polls). */
  followNotifications(source: () => boolean): void {
    this.notified = source;
  }

  /** Called after every read that changed the keys (a cache of verified tokens must forget). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  status(key: SigningKeyRow): KeyStatus {
    return keyStatus(key, this.now(), this.linger);
  }

  /** The key that signs now. */
  signingKey(): UsableKey {
    const key = signingKeyOf(this.keys, this.now(), this.linger);
    if (!key?.usable?.signing) throw new Error('No signing key is current');
    return key.usable;
  }

  /** The private key of `kid`, while it is the one that signs (for JwtService). */
  privateKeyOf(kid: string | undefined): UsableKey['signing'] {
    const key = this.signingKey();
    if (kid !== undefined && kid !== key.kid) throw new Error(`The key ${kid} does not sign now`);
    return key.signing;
  }

  /**
   * The key that verifies a token whose header names `kid`: one that is next, current or
   * retiring. A token without `kid` is one signed before keys rotated: the configured key
   * verifies it, while it is current or retiring.
   */
  verificationKey(kid: string | undefined): UsableKey | undefined {
    const now = this.now();
    const key =
      kid === undefined
        ? this.keys.find((candidate) => candidate.fromConfiguration)
        : this.keys.find((candidate) => candidate.kid === kid);
    if (!key?.usable) return undefined;
    const status = keyStatus(key, now, this.linger);
    if (kid === undefined ? status !== 'current' && status !== 'retiring' : !mayVerify(status)) {
      return undefined;
    }
    return key.usable;
  }

  /** The public keys a relying party needs: the next one and every one a live token may carry. */
  jwks(): PublicJwk[] {
    return this.publishedAt(this.now()).map((key) => key.usable!.jwk!);
  }

  private publishedAt(now: number): RingKey[] {
    return this.keys.filter(
      (key) => key.usable?.jwk && mayVerify(keyStatus(key, now, this.linger)),
    );
  }

  /**
   * The JWK Set as served: serialized again only when the published keys change, not on every
   * request. They change with a read, or when a published key's last token expires (leavesAt;
   * a key that starts signing was published already, as the next one).
   */
  jwksDocument(): string {
    const now = this.now();
    if (this.published.from !== this.keys || now >= this.published.until) {
      const published = this.publishedAt(now);
      this.published = {
        from: this.keys,
        until: Math.min(...published.map((key) => leavesAt(key, this.linger) ?? Infinity)),
        document: JSON.stringify({ keys: published.map((key) => key.usable!.jwk!) }),
      };
    }
    return this.published.document;
  }

  /** Re-reads the keys; calls made while a read runs share one more read after it. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.read().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh().catch(() => undefined);
      }
    });
    return this.reading;
  }

  @Interval(POLL_MS)
  async poll(): Promise<void> {
    const due = this.notified() ? SAFETY_READ_MS : POLL_MS;
    if (Date.now() - this.loadedAt < due - 50) return;
    await this.refresh().catch((error: Error) =>
      this.logger.warn(`Signing keys could not be read: ${error.message}`),
    );
  }

  private async read(): Promise<void> {
    const sent = Date.now();
    const { rows, now } = await this.repository.all();
    const received = Date.now();
    this.offsetMs = now - (sent + received) / 2;
    this.loadedAt = received;
    const fingerprint = JSON.stringify(
      rows.map(({ privateKey, ...times }) => [times, privateKey !== null]),
    );
    if (fingerprint === this.fingerprint) return;
    const previous = new Map(this.keys.map((key) => [key.kid, key]));
    this.keys = rows
      .filter((row) => row.algorithm === this.algorithm)
      .map((row) => ({ ...row, usable: this.usable(row, previous.get(row.kid)) }));
    this.fingerprint = fingerprint;
    for (const listener of this.listeners) listener();
  }

  private usable(row: SigningKeyRow, before: RingKey | undefined): UsableKey | undefined {
    if (row.revokedAt !== null) return undefined;
    // Parsed once per key and kept, while its private part stays (a retiring key's may be gone).
    if (before?.usable && before.privateKey === row.privateKey) return before.usable;
    try {
      const secret =
        row.privateKey === null
          ? undefined
          : unseal(row.privateKey, this.keyEncryptionKey, row.kid, row.algorithm);
      return usableKey(row.kid, row.algorithm, row.publicKey, secret);
    } catch (error) {
      this.logger.error(`Signing key ${row.kid} is unusable: ${(error as Error).message}`);
      return undefined;
    }
  }
}

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppException } from '../common/errors/app.exception.js';
import { type Transaction, Transactions } from '../common/database/transactions.js';
import { type ClientInfo, NO_CLIENT } from '../common/principal/client-info.js';
import { type Environment, type JwtAlgorithm, publishAheadSeconds } from '../config/environment.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { SecurityEventType } from '../security-events/security-event-type.js';
import type { SigningKeyDto } from './dto/signing-key.dto.js';
import { configuredKey, generateKey, type NewKeyMaterial, seal } from './key-material.js';
import { KeyRing } from './key-ring.service.js';
import { chainOf, keyStatus, relink, signingKeyOf } from './key-schedule.js';
import { type SigningKeyRow, SigningKeysRepository } from './signing-keys.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Revoked keys stay listed this long, then leave the table. */
const REVOKED_KEPT_MS = 30 * DAY_MS;

/** Who asked for a change: an admin over HTTP, an operator at the CLI, or the schedule. */
export interface KeyChangeActor {
  actorId: string | null;
  client: ClientInfo;
}

const SCHEDULE: KeyChangeActor = { actorId: null, client: NO_CLIENT };

/**
 * The rules of the signing keys: the configured key becomes the first one, rotation publishes
 * the new key JWT_KEY_PUBLISH_AHEAD seconds before it signs, a revoked key is refused at once
 * (and, if it was signing, a key takes over at once). Every change runs in one transaction
 * under the keys' advisory lock, so instances starting or rotating together change them once.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly algorithm: JwtAlgorithm;
  private readonly aheadMs: number;
  private readonly rotationMs: number;

  constructor(
    private readonly repository: SigningKeysRepository,
    private readonly ring: KeyRing,
    private readonly transactions: Transactions,
    private readonly events: SecurityEventsService,
    private readonly config: ConfigService<Environment, true>,
  ) {
    this.algorithm = config.get('JWT_ALGORITHM', { infer: true });
    this.aheadMs =
      publishAheadSeconds({
        JWT_KEY_PUBLISH_AHEAD: config.get('JWT_KEY_PUBLISH_AHEAD', { infer: true }),
        JWKS_MAX_AGE: config.get('JWKS_MAX_AGE', { infer: true }),
      }) * 1000;
    this.rotationMs = config.get('JWT_KEY_ROTATION_DAYS', { infer: true }) * DAY_MS;
  }

  /** Before anything signs or verifies: a key to sign with, and the keys read. */
  async onModuleInit(): Promise<void> {
    void this.ring.keyEncryptionKey;
    await this.ensureSigningKey();
    await this.ring.refresh();
  }

  async list(): Promise<SigningKeyDto[]> {
    const { rows, now } = await this.repository.all();
    return rows
      .map((row) => toDto(row, keyStatus(row, now, this.ring.lingerMs)))
      .filter((key): key is SigningKeyDto => key !== undefined)
      .reverse();
  }

  /** A new key, published now, signing JWT_KEY_PUBLISH_AHEAD seconds from now. */
  async rotate(
    actor: KeyChangeActor,
    reason: 'manual' | 'scheduled' = 'manual',
  ): Promise<SigningKeyDto> {
    const key = await this.transactions.run(async (tx) => {
      await this.repository.lock(tx);
      return this.rotateLocked(tx, actor, reason);
    });
    await this.ring.refresh();
    return key;
  }

  /**
   * Refuses every token `kid` signed and wipes its private part; if it was signing, the next
   * key (or a new one) signs from now on.
   */
  async revoke(kid: string, actor: KeyChangeActor): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.repository.lock(tx);
      const { rows, now } = await this.repository.all(tx);
      const key = rows.find((row) => row.kid === kid);
      if (!key) throw AppException.notFound('Signing key');
      if (key.revokedAt !== null) return;
      const own = this.own(rows);
      const wasSigning = signingKeyOf(own, now, this.ring.lingerMs)?.kid === kid;
      await this.repository.revoke(tx, kid, now);
      let replacedBy: string | undefined;
      if (wasSigning) {
        const waiting = chainOf(own, now).find((row) => row.activatesAt > now);
        if (waiting) {
          await this.repository.setActivatesAt(tx, waiting.kid, now);
          replacedBy = waiting.kid;
        } else {
          replacedBy = (await this.insert(tx, generateKey(this.algorithm), now, now, false)).kid;
        }
      }
      await this.relink(tx, await this.fresh(tx), now);
      await this.events.record(
        {
          type: SecurityEventType.SigningKeyRevoked,
          userId: null,
          actorId: actor.actorId,
          sessionId: null,
          details: { kid, algorithm: key.algorithm, ...(replacedBy && { replacedBy }) },
        },
        actor.client,
        tx,
      );
      this.logger.warn(
        `Signing key ${kid} revoked${replacedBy ? `; ${replacedBy} signs from now on` : ''}.`,
      );
    });
    await this.ring.refresh();
  }

  /** Rotates when the newest key is JWT_KEY_ROTATION_DAYS old; deletes the keys that left. */
  async scheduled(): Promise<void> {
    try {
      if (this.rotationMs > 0 && this.rotationDue(await this.repository.all())) {
        await this.transactions.run(async (tx) => {
          await this.repository.lock(tx);
          // Asked again under the lock: another instance may have rotated meanwhile.
          if (this.rotationDue(await this.repository.all(tx))) {
            await this.rotateLocked(tx, SCHEDULE, 'scheduled');
          }
        });
      }
      await this.sweep();
      await this.ring.refresh();
    } catch (error) {
      this.logger.warn(`Scheduled key rotation failed: ${(error as Error).message}`);
    }
  }

  private rotationDue({ rows, now }: { rows: SigningKeyRow[]; now: number }): boolean {
    const newest = chainOf(this.own(rows), now).at(-1);
    return newest !== undefined && newest.activatesAt + this.rotationMs <= now;
  }

  private async rotateLocked(
    tx: Transaction,
    actor: KeyChangeActor,
    reason: 'manual' | 'scheduled',
  ): Promise<SigningKeyDto> {
    const { rows, now } = await this.repository.all(tx);
    const newest = chainOf(this.own(rows), now).at(-1);
    // Never before a key already waiting; at once when nothing signs at all.
    const activatesAt = newest ? Math.max(now + this.aheadMs, newest.activatesAt) : now;
    const row = await this.insert(tx, generateKey(this.algorithm), now, activatesAt, false);
    await this.relink(tx, await this.fresh(tx), now);
    await this.events.record(
      {
        type: SecurityEventType.SigningKeyRotated,
        userId: null,
        actorId: actor.actorId,
        sessionId: null,
        details: {
          kid: row.kid,
          algorithm: this.algorithm,
          reason,
          activatesAt: new Date(activatesAt).toISOString(),
        },
      },
      actor.client,
      tx,
    );
    this.logger.log(
      `Signing key ${row.kid} published; it signs from ${new Date(activatesAt).toISOString()}.`,
    );
    return toDto(row, keyStatus(row, now, this.ring.lingerMs))!;
  }

  /**
   * Upgrading (or changing JWT_ALGORITHM): with no key of the configured algorithm that signs
   * or will, the configured JWT_SECRET or JWT_PRIVATE_KEY becomes the key that signs from now
   * on, so tokens issued before keep verifying. Keys of another algorithm are left as they
   * are, unused (they sign again if that algorithm is chosen again).
   */
  private async ensureSigningKey(): Promise<void> {
    if (this.hasSigner(await this.repository.all())) return;
    await this.transactions.run(async (tx) => {
      await this.repository.lock(tx);
      const { rows, now } = await this.repository.all(tx);
      if (this.hasSigner({ rows, now })) return;
      const configured = configuredKey(
        this.algorithm,
        this.config.get('JWT_SECRET', { infer: true }),
        this.config.get('JWT_PRIVATE_KEY', { infer: true }),
      );
      // Once revoked (or left), the configured key never comes back: a new one signs instead.
      const used = this.own(rows).some(
        (row) => row.kid === configured.kid || row.fromConfiguration,
      );
      const material = used ? generateKey(this.algorithm) : configured;
      await this.insert(tx, material, now, now, !used);
      this.logger.log(
        used
          ? `No ${this.algorithm} signing key: generated ${material.kid}.`
          : `The configured ${this.algorithm} key is now signing key ${material.kid}.`,
      );
    });
  }

  private hasSigner({ rows, now }: { rows: SigningKeyRow[]; now: number }): boolean {
    return chainOf(this.own(rows), now).length > 0;
  }

  /** Deletes the keys whose tokens have all expired, and revoked keys after REVOKED_KEPT_MS. */
  private async sweep(): Promise<void> {
    const { rows, now } = await this.repository.all();
    const gone = rows
      .filter((row) =>
        row.revokedAt !== null
          ? row.revokedAt + REVOKED_KEPT_MS <= now
          : keyStatus(row, now, this.ring.lingerMs) === 'expired',
      )
      .map((row) => row.kid);
    if (!gone.length) return;
    await this.transactions.run(async (tx) => {
      await this.repository.lock(tx);
      await this.repository.delete(tx, gone);
    });
  }

  private async insert(
    tx: Transaction,
    material: NewKeyMaterial,
    now: number,
    activatesAt: number,
    fromConfiguration: boolean,
  ): Promise<SigningKeyRow> {
    const privateKey = seal(
      material.privateKey,
      this.ring.keyEncryptionKey,
      material.kid,
      material.algorithm,
    );
    material.privateKey.fill(0);
    await this.repository.insert(tx, {
      kid: material.kid,
      algorithm: material.algorithm,
      publicKey: material.publicKey,
      privateKey,
      fromConfiguration,
      activatesAt,
    });
    const row: SigningKeyRow = {
      kid: material.kid,
      algorithm: material.algorithm,
      publicKey: material.publicKey,
      privateKey,
      fromConfiguration,
      createdAt: now,
      activatesAt,
      retiresAt: null,
      revokedAt: null,
    };
    return row;
  }

  private async fresh(tx: Transaction): Promise<SigningKeyRow[]> {
    return (await this.repository.all(tx)).rows;
  }

  /** Each key of the chain signs until the next one activates. */
  private async relink(tx: Transaction, rows: SigningKeyRow[], now: number): Promise<void> {
    for (const { kid, retiresAt } of relink(this.own(rows), now)) {
      await this.repository.setRetiresAt(tx, kid, retiresAt);
    }
  }

  private own(rows: SigningKeyRow[]): SigningKeyRow[] {
    return rows.filter((row) => row.algorithm === this.algorithm);
  }
}

function toDto(
  row: SigningKeyRow,
  status: ReturnType<typeof keyStatus>,
): SigningKeyDto | undefined {
  if (status === 'expired') return undefined;
  return {
    kid: row.kid,
    alg: row.algorithm,
    status,
    createdAt: new Date(row.createdAt).toISOString(),
    activatesAt: new Date(row.activatesAt).toISOString(),
    retiresAt: row.retiresAt === null ? null : new Date(row.retiresAt).toISOString(),
  };
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Transaction } from '../common/database/transactions.js';
import type { JwtAlgorithm } from '../config/environment.js';
import type { KeyTimes } from './key-schedule.js';

/** A row of `signing_keys`, times in ms since the epoch; `privateKey` still sealed. */
export interface SigningKeyRow extends KeyTimes {
  algorithm: JwtAlgorithm;
  publicKey: string | null;
  privateKey: string | null;
  fromConfiguration: boolean;
  createdAt: number;
}

export interface NewSigningKeyRow {
  kid: string;
  algorithm: JwtAlgorithm;
  publicKey: string | null;
  privateKey: string;
  fromConfiguration: boolean;
  activatesAt: number;
}

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8`;
const at = (index: number) => `to_timestamp($${index}::float8 / 1000)`;

const SELECT_ROWS = `
  SELECT kid, algorithm, public_key AS "publicKey", private_key AS "privateKey",
         from_configuration AS "fromConfiguration", ${ms('created_at')} AS "createdAt",
         ${ms('activates_at')} AS "activatesAt", ${ms('retires_at')} AS "retiresAt",
         ${ms('revoked_at')} AS "revokedAt"
    FROM signing_keys`;

/**
 * The keys table, in raw SQL: no entity, so a test that empties the entities' tables leaves the
 * keys (and the tokens they signed) alone. Writes run in a transaction that first takes the
 * keys' transaction-scoped advisory lock (`lock`), which a transaction pooler carries.
 */
@Injectable()
export class SigningKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every key, and the database's clock when it read them. */
  async all(tx?: Transaction): Promise<{ rows: SigningKeyRow[]; now: number }> {
    const rows = await this.run(tx).query<SigningKeyRow[]>(
      `${SELECT_ROWS} ORDER BY activates_at, kid`,
    );
    return { rows, now: await this.now(tx) };
  }

  /** The database's clock now (not the transaction's start). */
  async now(tx?: Transaction): Promise<number> {
    const [{ now }] = await this.run(tx).query<{ now: number }[]>(
      `SELECT ${ms('clock_timestamp()')} AS now`,
    );
    return now;
  }

  /** Serialises every change of the keys, on every instance, until the transaction ends. */
  async lock(tx: Transaction): Promise<void> {
    await this.run(tx).query(`SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`);
  }

  async insert(tx: Transaction, key: NewSigningKeyRow): Promise<void> {
    await this.run(tx).query(
      `INSERT INTO signing_keys
         (kid, algorithm, public_key, private_key, from_configuration, activates_at)
       VALUES ($1, $2, $3, $4, $5, ${at(6)})`,
      [
        key.kid,
        key.algorithm,
        key.publicKey,
        key.privateKey,
        key.fromConfiguration,
        key.activatesAt,
      ],
    );
  }

  async setRetiresAt(tx: Transaction, kid: string, retiresAt: number | null): Promise<void> {
    await this.run(tx).query(
      `UPDATE signing_keys SET retires_at = ${retiresAt === null ? 'NULL' : at(2)} WHERE kid = $1`,
      retiresAt === null ? [kid] : [kid, retiresAt],
    );
  }

  async setActivatesAt(tx: Transaction, kid: string, activatesAt: number): Promise<void> {
    await this.run(tx).query(`UPDATE signing_keys SET activates_at = ${at(2)} WHERE kid = $1`, [
      kid,
      activatesAt,
    ]);
  }

  /** Revoked, and its private material wiped: nothing can sign with it again. */
  async revoke(tx: Transaction, kid: string, revokedAt: number): Promise<void> {
    await this.run(tx).query(
      `UPDATE signing_keys SET revoked_at = ${at(2)}, private_key = NULL WHERE kid = $1`,
      [kid, revokedAt],
    );
  }

  /** Deletes the keys in `kids` (those that left: every token they signed has expired). */
  async delete(tx: Transaction, kids: string[]): Promise<void> {
    if (kids.length) {
      await this.run(tx).query(`DELETE FROM signing_keys WHERE kid = ANY($1)`, [kids]);
    }
  }

  private run(tx?: Transaction): EntityManager | DataSource {
    return tx ? (tx as unknown as EntityManager) : this.dataSource;
  }
}

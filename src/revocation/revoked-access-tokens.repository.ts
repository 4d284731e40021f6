import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { RevocationWrites } from './revocation-writes.js';
import { RevokedAccessToken } from './revoked-access-token.entity.js';

/** Every query of the access-token blocklist. */
@Injectable()
export class RevokedAccessTokensRepository {
  constructor(
    @InjectRepository(RevokedAccessToken)
    private readonly revoked: Repository<RevokedAccessToken>,
    private readonly writes: RevocationWrites,
  ) {}

  /** Blocks a token; blocking one already blocked is no change. */
  async add(token: RevokedAccessToken, tx?: Transaction): Promise<void> {
    await within(this.revoked, tx)
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessToken)
      .values(token)
      .orIgnore()
      .execute();
    this.writes.written(tx);
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.revoked.delete({ expiresAt: LessThan(now) });
  }
}

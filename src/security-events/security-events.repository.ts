import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { type Transaction, within } from '../common/database/transactions.js';
import { SecurityEvent } from './security-event.entity.js';

/** A row to insert; `at` defaults to the time of the insert. */
export type SecurityEventRow = Omit<SecurityEvent, 'id' | 'at'> & { at?: Date };

export interface SecurityEventFilter {
  userId?: string;
  type?: string;
  since?: Date;
  until?: Date;
}

/** Every query of the security trail. */
@Injectable()
export class SecurityEventsRepository {
  constructor(
    @InjectRepository(SecurityEvent) private readonly events: Repository<SecurityEvent>,
  ) {}

  async insert(row: SecurityEventRow, tx?: Transaction): Promise<void> {
    await within(this.events, tx).insert(row);
  }

  /** Several rows in one INSERT. */
  async insertMany(rows: SecurityEventRow[]): Promise<void> {
    await this.events.insert(rows);
  }

  /** A page of events matching every given filter (times inclusive), newest first. */
  findPage(
    filter: SecurityEventFilter,
    page: { skip: number; take: number },
  ): Promise<[SecurityEvent[], number]> {
    const builder = this.events
      .createQueryBuilder('event')
      .orderBy('event.at', 'DESC')
      .addOrderBy('event.id', 'DESC')
      .skip(page.skip)
      .take(page.take);
    if (filter.userId) builder.andWhere('event.userId = :userId', { userId: filter.userId });
    if (filter.type) builder.andWhere('event.type = :type', { type: filter.type });
    if (filter.since) builder.andWhere('event.at >= :since', { since: filter.since });
    if (filter.until) builder.andWhere('event.at <= :until', { until: filter.until });
    return builder.getManyAndCount();
  }

  async deleteOlderThan(before: Date): Promise<void> {
    await this.events.delete({ at: LessThan(before) });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { RevocationLogEntry } from './revocation-log-entry.entity.js';

/** The app only prunes the revocation log; the triggers of its migration write it. */
@Injectable()
export class RevocationLogRepository {
  constructor(
    @InjectRepository(RevocationLogEntry) private readonly log: Repository<RevocationLogEntry>,
  ) {}

  async deleteOlderThan(at: Date): Promise<void> {
    await this.log.delete({ at: LessThan(at) });
  }
}

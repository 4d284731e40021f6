import { Injectable } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';

const PING_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(private readonly typeOrm: TypeOrmHealthIndicator) {}

  async check() {
    const result = await this.typeOrm.pingCheck('database', { timeout: PING_TIMEOUT_MS });
    if (result.database?.status !== 'up') {
      throw new AppException(Problem.ServiceUnavailable, 'The database cannot be reached.', {
        extensions: { info: { database: { status: 'down' } } },
      });
    }
    return { status: 'ok', info: { database: { status: 'up' } } };
  }
}

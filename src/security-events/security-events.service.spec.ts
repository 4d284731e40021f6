import { describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { HttpAdapterHost } from '@nestjs/core';
import type { DataSource, EntityManager } from 'typeorm';
import { strictMock } from '../../test/support/strict-mock.js';
import type { Environment } from '../config/environment.js';
import { SecurityEvent } from './security-event.entity.js';
import { SecurityEventType } from './security-event-type.js';
import { SecurityEventsService, withoutSecrets } from './security-events.service.js';

describe(SecurityEventsService.name, () => {
  function build() {
    const manager = strictMock<EntityManager>('EntityManager');
    const dataSource = { manager } as unknown as DataSource;
    const config = { get: () => 90 } as unknown as ConfigService<Environment, true>;
    const sut = new SecurityEventsService(dataSource, {} as HttpAdapterHost, config);
    return { sut, manager };
  }

  it("writes into the caller's transaction, with no request context outside a request", async () => {
    const { sut } = build();
    const transaction = strictMock<EntityManager>('transaction EntityManager');
    transaction.insert.mockResolvedValueOnce({ identifiers: [], generatedMaps: [], raw: [] });

    await sut.record(
      { type: SecurityEventType.RoleChanged, userId: 'u1', details: { from: 'user', to: 'admin' } },
      transaction,
    );

    expect(transaction.insert).toHaveBeenCalledWith(SecurityEvent, {
      type: 'user.role.changed',
      userId: 'u1',
      actorId: null,
      sessionId: null,
      ip: null,
      userAgent: null,
      requestId: null,
      details: { from: 'user', to: 'admin' },
    });
  });

  it('fails with the insert, so that the caller rolls its change back', async () => {
    const { sut } = build();
    const transaction = strictMock<EntityManager>('transaction EntityManager');
    transaction.insert.mockRejectedValueOnce(new Error('disk full'));

    await expect(
      sut.record({ type: SecurityEventType.Deleted, userId: 'u1' }, transaction),
    ).rejects.toThrow('disk full');
  });

  it('does not let a detached write that fails reach the caller', async () => {
    const { sut, manager } = build();
    manager.insert.mockRejectedValueOnce(new Error('connection lost'));
    const warn = jest.spyOn(
      (sut as unknown as { logger: { warn(message: string): void } }).logger,
      'warn',
    );
    warn.mockImplementation(() => undefined);

    expect(() =>
      sut.recordDetached({ type: SecurityEventType.LoginFailed, userId: null }),
    ).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));

    expect(warn).toHaveBeenCalledWith(expect.stringContaining('auth.login.failed'));
  });
});

describe(withoutSecrets.name, () => {
  it('drops any key that names a password, hash, token or secret', () => {
    expect(
      withoutSecrets({
        identifier: 'ada@example.com',
        password: 'x',
        newPasswordHash: 'y',
        refresh_token: 'z',
        clientSecret: 'w',
        scope: 'local',
      }),
    ).toEqual({ identifier: 'ada@example.com', scope: 'local' });
  });
});

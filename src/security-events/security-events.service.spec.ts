import { describe, expect, it } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { automock } from '../../test/support/strict-mock.js';
import type { Transaction } from '../common/database/transactions.js';
import { type ClientInfo, NO_CLIENT } from '../common/principal/client-info.js';
import type { Environment } from '../config/environment.js';
import { DetachedEvents } from './detached-events.js';
import { SecurityEventType } from './security-event-type.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { SecurityEventsService, withoutSecrets } from './security-events.service.js';

describe(SecurityEventsService.name, () => {
  function build() {
    const events = automock(SecurityEventsRepository);
    const detached = automock(DetachedEvents);
    const config = { get: () => 90 } as unknown as ConfigService<Environment, true>;
    const sut = new SecurityEventsService(events, config, detached);
    return { sut, events, detached };
  }
  const tx = { transaction: 'the caller’s' } as unknown as Transaction;

  const client: ClientInfo = { ip: '203.0.113.7', userAgent: 'curl/8.5', requestId: 'req-1' };

  it("writes into the caller's transaction, with who did it and from where", async () => {
    const { sut, events } = build();
    events.insert.mockResolvedValueOnce(undefined);

    await sut.record(
      {
        type: SecurityEventType.RoleChanged,
        userId: 'u1',
        actorId: 'admin-1',
        sessionId: 's1',
        details: { from: 'user', to: 'admin' },
      },
      client,
      tx,
    );

    expect(events.insert).toHaveBeenCalledWith(
      {
        type: 'user.role.changed',
        userId: 'u1',
        actorId: 'admin-1',
        sessionId: 's1',
        ip: '203.0.113.7',
        userAgent: 'curl/8.5',
        requestId: 'req-1',
        details: { from: 'user', to: 'admin' },
      },
      tx,
    );
  });

  it('records no client outside a request (the CLI, the start-up admin)', async () => {
    const { sut, events } = build();
    events.insert.mockResolvedValueOnce(undefined);

    await sut.record(
      { type: SecurityEventType.Registered, userId: 'u1', actorId: 'u1', sessionId: null },
      NO_CLIENT,
    );

    expect(events.insert).toHaveBeenCalledWith(
      expect.objectContaining({ ip: null, userAgent: null, requestId: null }),
      undefined,
    );
  });

  it('fails with the insert, so that the caller rolls its change back', async () => {
    const { sut, events } = build();
    events.insert.mockRejectedValueOnce(new Error('disk full'));

    await expect(
      sut.record(
        { type: SecurityEventType.Deleted, userId: 'u1', actorId: 'u1', sessionId: null },
        client,
        tx,
      ),
    ).rejects.toThrow('disk full');
  });

  it('hands a detached event to the writer, without waiting', () => {
    const { sut, detached } = build();
    detached.add.mockReturnValueOnce(undefined);

    sut.recordDetached(
      { type: SecurityEventType.LoginFailed, userId: null, actorId: null, sessionId: null },
      client,
    );

    expect(detached.add).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.login.failed', ip: '203.0.113.7', requestId: 'req-1' }),
    );
  });

  it('hands a repeated event to the writer under its key and period', () => {
    const { sut, detached } = build();
    detached.repeat.mockReturnValueOnce(undefined);

    sut.recordRepeated(
      'login|/api/v1/auth/login|203.0.113.7|',
      1_000,
      {
        type: SecurityEventType.RateLimited,
        userId: null,
        actorId: null,
        sessionId: null,
        details: { bucket: 'login' },
      },
      client,
    );

    expect(detached.repeat).toHaveBeenCalledWith(
      'login|/api/v1/auth/login|203.0.113.7|',
      1_000,
      expect.objectContaining({ type: 'auth.rate_limited', details: { bucket: 'login' } }),
    );
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

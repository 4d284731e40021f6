import { describe, expect, it } from '@jest/globals';
import type { HttpAdapterHost } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { MetricsService } from './metrics.service.js';

const bearerLine = (text: string, outcome: string) =>
  text
    .split('\n')
    .find((line) => line.startsWith(`auth_bearer_checks_total{outcome="${outcome}"}`));

describe(MetricsService.name, () => {
  const metrics = () =>
    new MetricsService({} as HttpAdapterHost, { driver: {} } as unknown as DataSource);

  it('hands the bearer checks counted since the last scrape to the counter, each once', async () => {
    const sut = metrics();
    for (let i = 0; i < 3; i += 1) sut.countBearerCheck('ok');
    sut.countBearerCheck('revoked');

    const first = await sut.render();
    expect(bearerLine(first, 'ok')).toBe('auth_bearer_checks_total{outcome="ok"} 3');
    expect(bearerLine(first, 'revoked')).toBe('auth_bearer_checks_total{outcome="revoked"} 1');

    sut.countBearerCheck('ok');
    const second = await sut.render();
    expect(bearerLine(second, 'ok')).toBe('auth_bearer_checks_total{outcome="ok"} 4');
    expect(bearerLine(second, 'revoked')).toBe('auth_bearer_checks_total{outcome="revoked"} 1');
  });
});

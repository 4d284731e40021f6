import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { DurationHistogram } from './duration-histogram.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// On a bound, between bounds, below the first, above the last, and zero.
const OBSERVATIONS = [0.005, 0.0049, 0.012, 0.3, 0.3, 1, 7.5, 11, 0, 0.025, 2.5000001];

const labelSets = [
  { method: 'GET', route: '/api/v1/users/me', status_code: '200' },
  { method: 'POST', route: '/api/v1/auth/login', status_code: '401' },
];

describe(DurationHistogram.name, () => {
  it('renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new DurationHistogram('request_seconds', 'Request time', BOUNDS).register(
      ours,
    );
    const reference = new Histogram({
      name: 'request_seconds',
      help: 'Request time',
      labelNames: ['method', 'route', 'status_code'],
      buckets: BOUNDS,
      registers: [theirs],
    });
    labelSets.forEach((labels, set) => {
      const series = histogram.labels(labels);
      for (const seconds of OBSERVATIONS.slice(set)) {
        series.observe(seconds);
        reference.observe(labels, seconds);
      }
    });

    const rendered = await ours.metrics();
    expect(rendered).toBe(await theirs.metrics());
    expect(rendered).toContain(
      'request_seconds_bucket{le="0.005",method="GET",route="/api/v1/users/me",status_code="200"} 3',
    );
  });

  it('hands out one series per label set, which keeps counting after a reset', async () => {
    const registry = new Registry();
    const histogram = new DurationHistogram('t_seconds', 'T', [1]).register(registry);
    const series = histogram.labels({ route: '/a' });
    expect(histogram.labels({ route: '/a' })).toBe(series);
    series.observe(0.5);

    registry.resetMetrics();
    series.observe(2);

    expect(await registry.metrics()).toBe(
      [
        '# HELP t_seconds T',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{le="1",route="/a"} 0',
        't_seconds_bucket{le="+Inf",route="/a"} 1',
        't_seconds_sum{route="/a"} 2',
        't_seconds_count{route="/a"} 1',
        '',
      ].join('\n'),
    );
  });
});

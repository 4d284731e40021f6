import { describe, expect, it } from '@jest/globals';
import { expectProblem, Http, registerUser, signUp, useApp, withApp } from './support/app.js';

/** The value of one sample line of a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0];
    if (wanted.every((pair) => labelText.includes(pair))) return Number(line.split(' ').pop());
  }
  return 0;
}

const scrape = async (http: Http, token?: string) => {
  const reply = await http.get('/metrics', { token });
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return reply.text;
};

describe('GET /metrics (e2e)', () => {
  const { http } = useApp({ RATE_LIMIT_ENABLED: 'false' });

  it('is served outside the API prefix, in the Prometheus text format', async () => {
    const text = await scrape(http);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    for (const gauge of [
      'db_pool_connections_in_use',
      'db_pool_connections_idle',
      'db_pool_requests_waiting',
      'password_pool_queued',
      'password_pool_running',
    ]) {
      expect(text).toMatch(new RegExp(`^${gauge} \\d+$`, 'm'));
    }
    expect((await http.get('/api/v1/metrics')).status).toBe(404);
  });

  it("reads the pool gauges from the data source's own pool", async () => {
    // Requests that hold a connection (a registration) leave the pool with open connections.
    await registerUser(http);
    const text = await scrape(http);
    const open =
      sample(text, 'db_pool_connections_in_use') + sample(text, 'db_pool_connections_idle');
    expect(open).toBeGreaterThanOrEqual(1);
  });

  // What `promtool check metrics` (CI runs it on a real scrape) refuses: a `_total` name on
  // anything but a counter, a counter without it, `_count`/`_sum`/`_bucket` outside histograms.
  it('names every metric as Prometheus expects', async () => {
    const text = await scrape(http);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({
      name,
      type,
    }));
    expect(types.length).toBeGreaterThan(20);
    const misnamed = types.filter(
      ({ name, type }) =>
        name.endsWith('_total') !== (type === 'counter') ||
        (/_(count|sum|bucket)$/.test(name) && type !== 'histogram' && type !== 'summary'),
    );
    expect(misnamed).toEqual([]);
    // prom-client's default metrics stay: the totals are sums of these gauges by type.
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    expect(text).toMatch(/^# TYPE nodejs_active_requests gauge$/m);
  });

  it('counts logins by outcome', async () => {
    const user = await registerUser(http);
    const before = await scrape(http);
    await signUp(http);
    const failed = await http.post('/api/v1/auth/login', {
      body: { email: user.email, password: 'not the password at all' },
    });
    expect(failed.status).toBe(401);
    const after = await scrape(http);
    const logins = (text: string, outcome: string) =>
      sample(text, 'auth_logins_total', { outcome });
    expect(logins(after, 'succeeded') - logins(before, 'succeeded')).toBe(1);
    expect(logins(after, 'failed') - logins(before, 'failed')).toBe(1);
  });

  it('counts refreshes and bearer checks by outcome', async () => {
    const { tokens } = await signUp(http);
    const before = await scrape(http);
    expect(
      (await http.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } }))
        .status,
    ).toBe(200);
    expect((await http.get('/api/v1/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await http.get('/api/v1/users/me', { token: 'not.a.jwt' })).status).toBe(401);
    expect((await http.get('/api/v1/users/me')).status).toBe(401);
    const after = await scrape(http);
    const delta = (name: string, outcome: string) =>
      sample(after, name, { outcome }) - sample(before, name, { outcome });
    expect(delta('auth_refreshes_total', 'succeeded')).toBe(1);
    expect(delta('auth_bearer_checks_total', 'ok')).toBe(1);
    expect(delta('auth_bearer_checks_total', 'invalid')).toBe(1);
    expect(delta('auth_bearer_checks_total', 'missing')).toBe(1);
  });

  it('labels request durations with the route template, never a raw id', async () => {
    const { tokens } = await signUp(http);
    const id = '8a4b1f52-3c1d-4e0f-9a8b-7c6d5e4f3a2b';
    const reply = await http.get(`/api/v1/templates/${id}`, { token: tokens.access_token });
    expect(reply.status).toBe(404);
    await http.get('/no/such/route/12345');
    const text = await scrape(http);
    expect(text).not.toContain(id);
    expect(text).not.toContain('12345');
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/v1/templates/:id',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics, the public keys (e2e)', () => {
  const { http } = useApp({ RATE_LIMIT_ENABLED: 'false' });

  it('times the JWKS, a Fastify route of its own, under its route', async () => {
    const series = { method: 'GET', route: '/.well-known/jwks.json', status_code: '200' };
    const before = sample(await scrape(http), 'http_request_duration_seconds_count', series);
    await http.get('/.well-known/jwks.json');
    await http.get('/.well-known/jwks.json');
    const after = sample(await scrape(http), 'http_request_duration_seconds_count', series);
    expect(after - before).toBe(2);
  });
});

describe('GET /metrics with METRICS_TOKEN (e2e)', () => {
  const METRICS_TOKEN = 'a-scrape-token-of-32-characters!';

  it('needs that bearer token', async () => {
    await withApp({ METRICS_TOKEN }, async (http) => {
      expectProblem(await http.get('/metrics'), 401, 'token-missing');
      expectProblem(
        await http.get('/metrics', { token: 'a-scrape-token-of-32-characters?' }),
        401,
        'token-invalid',
      );
      expectProblem(await http.get('/metrics', { token: 'short' }), 401, 'token-invalid');
      expectProblem(
        await http.get('/metrics', { headers: { authorization: `Basic ${METRICS_TOKEN}` } }),
        401,
        'token-missing',
      );
      const text = await scrape(http, METRICS_TOKEN);
      expect(text).toContain('auth_logins_total');
    });
  });
});

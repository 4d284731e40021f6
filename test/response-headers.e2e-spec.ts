import { beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { useBrowser } from './support/browser.js';
import { expectProblem, type Reply, signUp, useApp } from './support/app.js';

const API_SET = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'referrer-policy': 'no-referrer',
};
/** Helmet's page headers that a JSON answer has no use for. */
const PAGE_ONLY = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

function expectNotStored(reply: Reply): void {
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headers['pragma']).toBe('no-cache');
}

function expectApiSet(reply: Reply): void {
  expect(reply.headers).toMatchObject(API_SET);
  for (const name of PAGE_ONLY) expect(reply.headers).not.toHaveProperty(name);
  expect(String(reply.headers['content-security-policy'])).not.toContain('script-src');
  expect(reply.headers['x-request-id']).toEqual(expect.any(String));
}

describe('Response headers (e2e)', () => {
  const suite = useApp({ CORS_ORIGINS: 'https://app.example.com' });
  const { http } = suite;

  it('token answers are never stored: login, refresh, introspection', async () => {
    const { tokens } = await signUp(http);
    const login = await http.post('/api/v1/auth/login', {
      body: { email: 'nobody@example.com', password: 'wrong password here' },
    });
    expectProblem(login, 401, 'invalid-credentials');
    expectNotStored(login);

    const refreshed = await http.post('/api/v1/auth/refresh', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expectNotStored(refreshed);
    expectApiSet(refreshed);

    const introspection = await http.post('/api/v1/auth/introspect', {
      token: refreshed.body.access_token,
      body: { token: refreshed.body.access_token },
    });
    expect(introspection.status).toBe(200);
    expectNotStored(introspection);
  });

  it('a successful login is never stored', async () => {
    const { user } = await signUp(http);
    const reply = await http.post('/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.refresh_token).toEqual(expect.any(String));
    expectNotStored(reply);
    expectApiSet(reply);
  });

  it('personal data, refusals and unknown routes are never stored and carry the API set', async () => {
    const { tokens } = await signUp(http);
    const me = await http.get('/api/v1/users/me', { token: tokens.access_token });
    expect(me.status).toBe(200);
    expectNotStored(me);
    expectApiSet(me);

    for (const reply of [await http.get('/api/v1/users/me'), await http.get('/api/v1/nowhere')]) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expectNotStored(reply);
      expectApiSet(reply);
    }
  });

  it('the JWKS stays cacheable and the health check carries no cache rule', async () => {
    const jwks = await http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.headers).not.toHaveProperty('pragma');
    expectApiSet(jwks);

    const health = await http.get('/api/v1/health');
    expectApiSet(health);
    expect(health.headers).not.toHaveProperty('cache-control');
  });

  it("/docs keeps helmet's page set, with the inline script Swagger UI needs", async () => {
    const page = await http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers).not.toHaveProperty('pragma');
  });

  describe('Swagger UI in a browser', () => {
    const browser = useBrowser();
    let base: string;

    beforeAll(async () => {
      await suite.app().listen({ port: 0, host: '127.0.0.1' });
      const address = suite.app().getHttpServer().address() as AddressInfo;
      base = `http://127.0.0.1:${address.port}`;
    }, 60_000);

    it('loads under its headers and runs a request', async () => {
      const page = await (await browser.context()).newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      // Reported by the browser as a console error, which fails the test.
      await page.addInitScript({
        content:
          "document.addEventListener('securitypolicyviolation', (event) => " +
          "console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));",
      });
      const opened = await page.goto(`${base}/docs`);
      expect(opened?.status()).toBe(200);

      const health = page.locator('.opblock', { hasText: '/api/v1/health' }).first();
      await health.locator('.opblock-summary').click({ timeout: 20_000 });
      await health.getByRole('button', { name: 'Try it out' }).click();
      await health.getByRole('button', { name: 'Execute' }).click();
      const status = health.locator('.live-responses-table tbody .response-col_status').first();
      await expect(status.textContent({ timeout: 20_000 })).resolves.toContain('200');
      expect(problems).toEqual([]);
      await page.close();
    }, 60_000);
  });
});

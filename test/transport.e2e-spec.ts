import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectProblem, Http, startApp, withApp } from './support/app.js';

describe('Transport (e2e)', () => {
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    app = await startApp({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
    http = new Http(app);
  });

  afterAll(async () => {
    await app.close();
  });

  it('sets security headers', async () => {
    const reply = await http.get('/api/v1/health');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(reply.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });

  it('allows CORS only for CORS_ORIGINS', async () => {
    const allowed = await http.request('OPTIONS', '/api/v1/auth/login', {
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');

    const denied = await http.get('/api/v1/health', {
      headers: { origin: 'https://evil.example' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes JSON bodies only and at most 256 KiB', async () => {
    expectProblem(
      await http.post('/api/v1/auth/login', {
        body: '<xml/>',
        headers: { 'content-type': 'application/xml' },
      }),
      415,
      'unsupported-media-type',
    );
    expectProblem(
      await http.post('/api/v1/auth/introspect', {
        body: { token: 'x'.repeat(256 * 1024) },
      }),
      413,
      'payload-too-large',
    );
    const justUnder = await http.post('/api/v1/auth/introspect', {
      body: { token: 'x'.repeat(200 * 1024) },
    });
    expect(justUnder.status).toBe(200);
  });
});

describe('CORS without CORS_ORIGINS (e2e)', () => {
  it('allows no cross-origin access', async () => {
    await withApp({ CORS_ORIGINS: '' }, async (http) => {
      const reply = await http.get('/api/v1/health', {
        headers: { origin: 'https://app.example.com' },
      });
      expect(reply.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await http.request('OPTIONS', '/api/v1/auth/login', {
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
        },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import {
  expectProblem,
  Http,
  login,
  registerUser,
  signUp,
  startApp,
  useApp,
  withApp,
} from './support/app.js';
import { algorithm, headerOf } from './support/tokens.js';

describe('Service (e2e)', () => {
  const { http } = useApp();

  it('GET /api/v1/health answers ok with the database up', async () => {
    const reply = await http.get('/api/v1/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('serves Swagger UI at /docs and the OpenAPI document with bearer auth at /docs-json', async () => {
    const ui = await http.get('/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.headers['content-type'])).toContain('text/html');

    const doc = await http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    const paths = Object.keys(doc.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/health',
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/auth/logout',
        '/api/v1/auth/password',
        '/api/v1/auth/sessions',
        '/api/v1/auth/sessions/{id}',
        '/api/v1/auth/introspect',
        '/api/v1/users/me',
        '/.well-known/jwks.json',
      ]),
    );
    const logout = doc.body.paths['/api/v1/auth/logout'].post;
    expect(logout.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(logout.responses)).toEqual(expect.arrayContaining(['204', '400', '401']));
    const register = doc.body.paths['/api/v1/auth/register'].post;
    expect(Object.keys(register.responses)).toEqual(
      expect.arrayContaining(['201', '400', '409', '413', '415', '429']),
    );
    expect(doc.body.components.schemas.RegisterDto.properties.email.example).toBeDefined();
  });

  it('publishes the verification keys: none with HS256, the public key otherwise', async () => {
    const reply = await http.get('/.well-known/jwks.json');
    expect(reply.status).toBe(200);
    expect(reply.body.keys).toHaveLength(algorithm === 'HS256' ? 0 : 1);
    // Served by Fastify itself (no Nest controller): still JSON, still with a request id.
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['x-request-id']).toEqual(expect.any(String));
    const head = await http.request('HEAD', '/.well-known/jwks.json');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expectProblem(await http.post('/.well-known/jwks.json', { body: {} }), 404, 'not-found');
  });

  it('answers an unknown route with a 404 problem document', async () => {
    expectProblem(await http.get('/api/v1/nothing-here'), 404, 'not-found');
    expectProblem(await http.post('/nothing'), 404, 'not-found');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const given = await http.get('/api/v1/users/me', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    expect(given.body.requestId).toBe('abc-123');
    const hostile = await http.get('/api/v1/health', {
      headers: { 'x-request-id': 'bad id\nwith newline'.replace('\n', ' ') },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ignores unknown query parameters', async () => {
    const { tokens } = await signUp(http);
    const reply = await http.post('/api/v1/auth/logout', {
      token: tokens.access_token,
      query: { utm_source: 'x', scope: 'local' },
    });
    expect(reply.status).toBe(204);
  });
});

describe('Service with EdDSA keys (e2e)', () => {
  it('does not start, and says that jsonwebtoken cannot sign EdDSA', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    await expect(
      startApp({
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
        JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      }),
    ).rejects.toThrow(/JWT_ALGORITHM=EdDSA is not supported: jsonwebtoken .* cannot sign it/);
  });
});

describe.each(['ES256', 'RS256'] as const)('Service with %s keys (e2e)', (alg) => {
  let app: NestFastifyApplication;
  let http: Http;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    app = await startApp({
      JWT_ALGORITHM: alg,
      JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
      JWT_PUBLIC_KEY: await exportSPKI(publicKey),
    });
    http = new Http(app);
  });

  afterAll(async () => {
    await app.close();
  });

  it('signs access tokens with the key pair and publishes the public key with its kid', async () => {
    const { tokens } = await signUp(http);
    const header = headerOf(tokens.access_token);
    const jwks = await http.get('/.well-known/jwks.json');
    expect(jwks.body.keys).toEqual([expect.objectContaining({ alg, use: 'sig', kid: header.kid })]);
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
    expect(header.alg).toBe(alg);
    expect((await http.get('/api/v1/users/me', { token: tokens.access_token })).status).toBe(200);
  });
});

describe('Logs (e2e)', () => {
  it('never carry a token or a password, not even on errors', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    await withApp(
      {},
      async (http) => {
        const user = await registerUser(http, { password: 'a very secret passphrase' });
        const tokens = await login(http, user);
        await http.get('/api/v1/users/me', { token: tokens.access_token });
        await http.get('/api/v1/users/me', { headers: { 'x-access-token': tokens.access_token } });
        await http.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
        await http.post('/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
        await http.post('/api/v1/auth/login', {
          body: { email: user.email, password: 'a very secret wrong one' },
        });
        await http.get('/api/v1/users/me', { token: `${tokens.access_token}x` });
        const log = lines.join('');
        expect(log).toContain('request completed');
        for (const secret of [
          tokens.access_token,
          tokens.access_token.split('.')[2],
          tokens.refresh_token,
          'a very secret',
        ]) {
          expect(log).not.toContain(secret);
        }
        expect(log).not.toMatch(/\$2[aby]\$/);
      },
      { logger: pino({ level: 'trace' }, sink) },
    );
  });
});

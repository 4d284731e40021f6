import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import {
  PAGE_SECURITY_HEADERS,
  RESET_PASSWORD_PAGE,
  VERIFY_EMAIL_PAGE,
} from './account/pages/account-pages.js';
import { AppModule } from './app.module.js';
import { serializeAnswers } from './common/http/answer-body.js';
import { API_PREFIX } from './common/http/api-prefix.js';
import { registerFormBodyParser } from './common/http/form-body.js';
import {
  addResponseHeaders,
  API_HEADERS,
  type HeaderPolicy,
  type HeaderSet,
  NO_STORE,
  securityHeaders,
} from './common/http/security-headers.js';
import { clientErrorHandler, frameworkErrorHandler } from './common/http/transport-errors.js';
import { createLogger, PinoNestLogger, requestLogger } from './common/logging/logger.js';
import type { Environment } from './config/environment.js';
import { METRICS_PATH } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { documentJwksRoute, JWKS_PATH, registerJwksRoute } from './signing-keys/jwks.route.js';
import { KeyRing } from './signing-keys/key-ring.service.js';

export { API_PREFIX };
export const BODY_LIMIT_BYTES = 256 * 1024;
/**
 * Slow clients are cut in seconds, not minutes: the whole request (headers and body) must
 * arrive within REQUEST_TIMEOUT_MS, the headers within HEADERS_TIMEOUT_MS, and an idle
 * keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS.
 */
export const REQUEST_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 5_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Swagger UI, the one HTML page: helmet's page set, with its inline bootstrap script and styles. */
const PAGE_HEADERS = securityHeaders({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
    },
  },
});
const API_NO_STORE: HeaderSet = Object.freeze({ ...API_HEADERS, ...NO_STORE });
/** The mailed links' pages: never stored, their own strict CSP. */
const ACCOUNT_PAGE_HEADERS: HeaderSet = Object.freeze({
  ...API_NO_STORE,
  ...PAGE_SECURITY_HEADERS,
});
const ACCOUNT_PAGES = new Set([`/${RESET_PASSWORD_PAGE}`, `/${VERIFY_EMAIL_PAGE}`]);
/**
 * The headers of each route's answers. Every API answer but the health check and the public
 * documents may hold a token, a secret or personal data, and is never stored; so is the
 * not-found answer, which is no route. The public keys are meant to be cached by relying
 * parties, for JWKS_MAX_AGE seconds.
 */
export function responseHeaders(env: Pick<Environment, 'JWKS_MAX_AGE'>): HeaderPolicy {
  const jwks: HeaderSet = Object.freeze({
    ...API_HEADERS,
    'cache-control': `public, max-age=${env.JWKS_MAX_AGE}`,
  });
  return (route) => {
    if (route === '/docs' || route?.startsWith('/docs/')) return PAGE_HEADERS;
    if (route === '/docs-json' || route === '/docs-yaml') return API_HEADERS;
    if (route === JWKS_PATH) return jwks;
    if (route !== undefined && ACCOUNT_PAGES.has(route)) return ACCOUNT_PAGE_HEADERS;
    if (route === `/${API_PREFIX}/health`) return API_HEADERS;
    return API_NO_STORE;
  };
}

export interface CreateAppOptions {
  /** The environment as validated once at boot (main.ts), with its DATABASE_URL. */
  env: Environment;
  logger?: Logger;
}

/**
 * Builds the whole application exactly as production runs it; `main.ts` and the e2e tests
 * both start here.
 */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { env } = options;
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    childLoggerFactory: requestLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    genReqId: requestId,
    // Parsed as plain data; the validation pipe refuses these keys as unknown fields by name.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A socket with no traffic at all for this long is dropped.
    connectionTimeout: REQUEST_TIMEOUT_MS + 5_000,
    // Node checks the request and header deadlines this often (30 s by default).
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // On close: idle keep-alive connections go at once; requests in flight finish first.
    forceCloseConnections: 'idle',
    // A request that still arrives on an open connection while draining is served (with
    // `Connection: close`): the database stays open until the server has closed, and Fastify's
    // own 503 here would not be a problem document.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    // Only Fastify's own JSON parser, and a form parser for the routes that take forms.
    bodyParser: false,
  });

  // Before any route is registered (Swagger's below, the controllers' in init()).
  app.get(MetricsService).instrument();
  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON, and forms on the routes that say @AcceptsFormBody() (the OAuth ones); any
  // other media type is a 415 problem.
  fastify.removeContentTypeParser(['text/plain']);
  registerFormBodyParser(fastify);
  serializeAnswers(fastify);
  addResponseHeaders(fastify, responseHeaders(env));
  const origins = env.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  // No origins, no CORS at all: `origin: false` would still run its hook on every request.
  if (origins.length) {
    app.enableCors({
      origin: origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'if-match',
        'x-access-token',
        'x-request-id',
      ],
      exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id'],
      maxAge: 600,
    });
  }

  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: METRICS_PATH, method: RequestMethod.GET },
      { path: RESET_PASSWORD_PAGE, method: RequestMethod.GET },
      { path: VERIFY_EMAIL_PAGE, method: RequestMethod.GET },
    ],
  });
  // After the hooks above, which give it its headers and metrics like every other route.
  registerJwksRoute(fastify, app.get(KeyRing));
  setUpSwagger(app, env);
  await app.init();
  return app;
}

function setUpSwagger(app: NestFastifyApplication, env: Environment): void {
  const config = new DocumentBuilder()
    .setTitle('Auth service')
    .setDescription(
      'Accounts, short-lived access tokens, rotating refresh tokens, real logout, roles and ' +
        'per-user templates. Errors are RFC 9457 problem documents.',
    )
    .setVersion('1')
    .addTag('auth', 'Accounts, tokens and sessions')
    .addTag('users', 'The caller, and user administration (admins)')
    .addTag('templates', "The caller's own templates")
    .addTag('audit', 'The security trail (admins)')
    .addTag('service', 'Health and metrics')
    .addTag('pages', 'The pages the mailed links open (HTML, outside the API prefix)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  // Built at the first request for /docs or /docs-json, not at start: nobody may ever ask, and
  // the scan of every route leaves megabytes of garbage behind on a server just started.
  const document = () =>
    documentJwksRoute(SwaggerModule.createDocument(app, config), env.JWKS_MAX_AGE);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
  });
}

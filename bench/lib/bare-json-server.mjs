// The ceiling for the authenticated request path: bare Fastify answering a JSON body the size
// of a user resource, and nothing else (no auth, no hooks, no database). `/bare-jwks-headers`
// answers the same with the header set of the service's JWKS (nest-floor.mjs; needs the build).
import Fastify from 'fastify';
import { BARE_BODY as body } from './bare-body.mjs';

const app = Fastify({ logger: false });
if (process.env.BARE_WITH_HEADER_ROUTES === '1') {
  const { JWKS_HEADERS_SUFFIX, withApiHeaders } = await import('./api-header-route.mjs');
  app.addHook('onRoute', withApiHeaders);
  app.get(`/bare${JWKS_HEADERS_SUFFIX}`, async () => body);
}
app.get('/bare', async () => body);
app.get('/api/v1/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());

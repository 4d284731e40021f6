// The ceiling for the authenticated request path: bare Fastify answering a JSON body the size
// of a user resource, and nothing else (no auth, no hooks, no database).
import Fastify from 'fastify';
import { BARE_BODY as body } from './bare-body.mjs';

const app = Fastify({ logger: false });
app.get('/bare', async () => body);
app.get('/api/v1/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());

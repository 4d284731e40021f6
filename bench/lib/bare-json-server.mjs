// The ceiling for the authenticated request path: bare Fastify answering a JSON body the size
// of a user resource, and nothing else (no auth, no hooks, no database).
import Fastify from 'fastify';

const body = {
  id: '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a',
  email: 'bench@example.com',
  username: 'bench',
  name: null,
  role: 'user',
  isActive: true,
  emailVerified: false,
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
};
const app = Fastify({ logger: false });
app.get('/bare', async () => body);
app.get('/api/v1/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());

// The ceiling for GET /templates/:id: bare Fastify and `pg`, one row by key and owner, with
// the same columns, JSON shape and ETag as the app, and nothing else (no auth, no hooks).
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });

app.get('/templates/:id', async (request, reply) => {
  const { rows } = await pool.query(
    'SELECT id, name, content, version, created_at, updated_at FROM templates ' +
      'WHERE id = $1 AND owner_id = $2',
    [request.params.id, request.headers['x-owner']],
  );
  const [row] = rows;
  if (!row) return reply.code(404).send({ status: 404 });
  reply.header('etag', `"${row.version}"`);
  return {
    id: row.id,
    name: row.name,
    content: row.content,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
});
app.get('/api/v1/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => {
  void app.close().then(() => pool.end());
});

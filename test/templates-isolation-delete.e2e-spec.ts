import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { expectFieldError, expectProblem, Reply, signUp, useApp } from './support/app.js';
import { templateCalls, TEMPLATES } from './support/templates.js';

describe('Templates (e2e)', () => {
  const suite = useApp();
  const { http } = suite;
  const { newToken, create, fetch, names, warmUpPool } = templateCalls(http);

  /** The parts of a problem document that must not tell a foreign template from a missing one. */
  const sameness = (reply: Reply) => {
    const { type, title, status, detail, errors } = reply.body;
    return { httpStatus: reply.status, type, title, status, detail, errors };
  };

  describe('isolation between users', () => {
    it("answers 404 for another user's template exactly as for a missing one, and changes nothing", async () => {
      const [alice, bob] = [await newToken(), await newToken()];
      const template = await create(alice, 'Private', 'only mine');
      const foreign = `${TEMPLATES}/${template.id}`;
      const missing = `${TEMPLATES}/${randomUUID()}`;

      const pairs: [Reply, Reply][] = [
        [await http.get(foreign, { token: bob }), await http.get(missing, { token: bob })],
        [
          await http.patch(foreign, { token: bob, body: { content: 'stolen' } }),
          await http.patch(missing, { token: bob, body: { content: 'stolen' } }),
        ],
        [
          await http.patch(foreign, {
            token: bob,
            body: { name: 'Renamed' },
            headers: { 'if-match': '"1"' },
          }),
          await http.patch(missing, {
            token: bob,
            body: { name: 'Renamed' },
            headers: { 'if-match': '"1"' },
          }),
        ],
        [
          await http.patch(foreign, {
            token: bob,
            body: { name: 'Renamed' },
            headers: { 'if-match': '"99"' },
          }),
          await http.patch(missing, {
            token: bob,
            body: { name: 'Renamed' },
            headers: { 'if-match': '"99"' },
          }),
        ],
        [
          await http.delete(foreign, { token: bob, headers: { 'if-match': '"99"' } }),
          await http.delete(missing, { token: bob, headers: { 'if-match': '"99"' } }),
        ],
        [await http.delete(foreign, { token: bob }), await http.delete(missing, { token: bob })],
      ];
      for (const [fromForeign, fromMissing] of pairs) {
        expectProblem(fromForeign, 404, 'not-found');
        expect(sameness(fromForeign)).toEqual(sameness(fromMissing));
        expect(fromForeign.headers.etag).toBeUndefined();
      }

      const after = await fetch(alice, template.id);
      expect(after.status).toBe(200);
      expect(after.body).toEqual(template);
      expect(await names(bob)).toEqual([]);
    });

    it("goes away with its owner (ON DELETE CASCADE) and nobody else's does", async () => {
      const alice = await signUp(http);
      const bob = await signUp(http);
      await create(alice.tokens.access_token, 'Doomed');
      await create(bob.tokens.access_token, 'Survivor');
      const dataSource = suite.app().get(DataSource);
      await dataSource.query(`DELETE FROM "users" WHERE "id" = $1`, [alice.user.id]);
      const left = await dataSource.query(
        `SELECT "owner_id" FROM "templates" WHERE "owner_id" IN ($1, $2)`,
        [alice.user.id, bob.user.id],
      );
      expect(left).toEqual([{ owner_id: bob.user.id }]);
    });
  });

  describe('DELETE /templates/:id', () => {
    it('deletes: 204, then 404 for a read and for a second delete', async () => {
      const token = await newToken();
      const created = await create(token, 'Short-lived');
      const reply = await http.delete(`${TEMPLATES}/${created.id}`, { token });
      expect(reply.status).toBe(204);
      expect(reply.body).toBe('');
      expectProblem(await fetch(token, created.id), 404, 'not-found');
      expectProblem(await http.delete(`${TEMPLATES}/${created.id}`, { token }), 404, 'not-found');
      expect(await names(token)).toEqual([]);
    });

    it('honours If-Match: a stale or weak ETag is 412 and keeps it; the current one deletes', async () => {
      const token = await newToken();
      const created = await create(token, 'Guarded delete');
      for (const ifMatch of ['"2"', 'W/"1"']) {
        expectProblem(
          await http.delete(`${TEMPLATES}/${created.id}`, {
            token,
            headers: { 'if-match': ifMatch },
          }),
          412,
          'precondition-failed',
        );
      }
      expect((await fetch(token, created.id)).body).toEqual(created);
      const reply = await http.delete(`${TEMPLATES}/${created.id}`, {
        token,
        headers: { 'if-match': '"1"' },
      });
      expect(reply.status).toBe(204);
      expectProblem(await fetch(token, created.id), 404, 'not-found');
    });

    it('deletes with If-Match: *', async () => {
      const token = await newToken();
      const created = await create(token, 'Any version');
      const reply = await http.delete(`${TEMPLATES}/${created.id}`, {
        token,
        headers: { 'if-match': '*' },
      });
      expect(reply.status).toBe(204);
    });

    it('lets exactly one of concurrent DELETEs holding the same ETag win', async () => {
      const token = await newToken();
      const created = await create(token, 'Deleted once');
      await warmUpPool(token);
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          http.delete(`${TEMPLATES}/${created.id}`, { token, headers: { 'if-match': '"1"' } }),
        ),
      );
      // The losers find the template gone, and a missing template is 404.
      expect(replies.map((reply) => reply.status).sort()).toEqual([204, 404, 404, 404, 404]);
    });

    it('answers 400 for a malformed id', async () => {
      expectFieldError(
        await http.delete(`${TEMPLATES}/not-a-uuid`, { token: await newToken() }),
        'id',
      );
    });
  });
});

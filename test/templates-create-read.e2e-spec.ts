import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectBodyRefusals, expectFieldError, expectProblem, useApp } from './support/app.js';
import { ISO_UTC, type TemplateBody, templateCalls, TEMPLATES } from './support/templates.js';

describe('Templates (e2e)', () => {
  const suite = useApp();
  const { http } = suite;
  const { newToken, create, fetch, names, warmUpPool } = templateCalls(http);

  describe('POST /templates', () => {
    it('creates a template with version 1, a Location and a strong ETag', async () => {
      const token = await newToken();
      const reply = await http.post(TEMPLATES, {
        token,
        body: { name: '  Welcome email  ', content: 'Hello {{name}}' },
      });
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Welcome email',
        content: 'Hello {{name}}',
        version: 1,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expect(reply.headers.location).toBe(`${TEMPLATES}/${reply.body.id}`);
      expect(reply.headers.etag).toBe('"1"');

      const again = await http.get(String(reply.headers.location), { token });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(reply.body);
      expect(again.headers.etag).toBe('"1"');
    });

    it('accepts empty content, 65,536 characters of content and a 120-character name', async () => {
      const token = await newToken();
      expect((await create(token, 'Empty', '')).content).toBe('');
      expect((await create(token, 'Largest', 'c'.repeat(65_536))).content).toHaveLength(65_536);
      expect((await create(token, ` ${'n'.repeat(120)} `)).name).toBe('n'.repeat(120));
      // 60 emoji are 120 UTF-16 code units, which is how the API guide counts text.
      expect((await create(token, '😀'.repeat(60))).name).toBe('😀'.repeat(60));
      expect((await create(token, 'Emoji content', '😀'.repeat(32_768))).content).toHaveLength(
        65_536,
      );
    });

    it.each([
      ['name', { content: 'x' }],
      ['name', { name: '', content: 'x' }],
      ['name', { name: ' \t\n ', content: 'x' }],
      ['name', { name: 'n'.repeat(121), content: 'x' }],
      ['name', { name: '😀'.repeat(61), content: 'x' }],
      ['name', { name: 42, content: 'x' }],
      ['name', { name: null, content: 'x' }],
      ['name', { name: 'nul\u0000inside', content: 'x' }],
      ['content', { name: 'Valid' }],
      ['content', { name: 'Valid', content: 'c'.repeat(65_537) }],
      ['content', { name: 'Valid', content: '😀'.repeat(32_769) }],
      ['content', { name: 'Valid', content: 7 }],
      ['content', { name: 'Valid', content: null }],
      ['content', { name: 'Valid', content: 'nul\u0000inside' }],
      ['content', { name: 'Valid', content: 'unpaired \ud800 surrogate' }],
      ['content', { name: 'Valid', content: 'unpaired \udc00 surrogate' }],
      ['ownerId', { name: 'Valid', content: 'x', ownerId: randomUUID() }],
      ['id', { name: 'Valid', content: 'x', id: randomUUID() }],
      ['version', { name: 'Valid', content: 'x', version: 9 }],
      ['createdAt', { name: 'Valid', content: 'x', createdAt: '2020-01-01T00:00:00.000Z' }],
    ])('refuses a bad %s with a field error and creates nothing', async (field, body) => {
      const token = await newToken();
      expectFieldError(await http.post(TEMPLATES, { token, body }), field);
      expect(await names(token)).toEqual([]);
    });

    it('answers 409 naming name for a taken name, ignoring case and surrounding blanks', async () => {
      const token = await newToken();
      await create(token, 'Welcome email');
      const reply = await http.post(TEMPLATES, {
        token,
        body: { name: '  WELCOME Email ', content: 'other' },
      });
      expectProblem(reply, 409, 'conflict');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
      expect(await names(token)).toEqual(['Welcome email']);
    });

    it('creates one of concurrent templates with the same name; the index refuses the rest', async () => {
      const token = await newToken();
      await warmUpPool(token);
      const replies = await Promise.all(
        ['Race', 'RACE', 'race', ' Race ', 'rAcE'].map((name) =>
          http.post(TEMPLATES, { token, body: { name, content: '' } }),
        ),
      );
      expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const loser of replies.filter((reply) => reply.status === 409)) {
        expectProblem(loser, 409, 'conflict');
        expect(loser.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
      }
      expect(await names(token)).toHaveLength(1);
    });

    it('lets two users use the same name', async () => {
      const [alice, bob] = [await newToken(), await newToken()];
      await create(alice, 'Shared name');
      expect((await create(bob, 'shared NAME')).version).toBe(1);
    });

    it('answers malformed JSON, a non-object body, a wrong media type and a huge body', async () => {
      const token = await newToken();
      await expectBodyRefusals(http, 'POST', TEMPLATES, token);
      expect(await names(token)).toEqual([]);
    });
  });

  describe('authentication', () => {
    it('answers token-missing on every route without a bearer token', async () => {
      const token = await newToken();
      const { id } = await create(token, 'Mine');
      const calls = [
        http.post(TEMPLATES, { body: { name: 'x', content: 'y' } }),
        http.get(TEMPLATES),
        http.get(`${TEMPLATES}/${id}`),
        http.patch(`${TEMPLATES}/${id}`, { body: { content: 'stolen' } }),
        http.delete(`${TEMPLATES}/${id}`),
      ];
      for (const reply of await Promise.all(calls)) expectProblem(reply, 401, 'token-missing');
      expect((await fetch(token, id)).body).toEqual(expect.objectContaining({ version: 1 }));
    });

    it('answers token-invalid for a garbage token', async () => {
      expectProblem(await http.get(TEMPLATES, { token: 'not.a.jwt' }), 401, 'token-invalid');
    });
  });

  describe('GET /templates', () => {
    it("lists only the caller's own templates", async () => {
      const [alice, bob] = [await newToken(), await newToken()];
      await create(alice, 'Alice one');
      await create(alice, 'Alice two');
      await create(bob, 'Bob one');
      expect((await names(alice)).sort()).toEqual(['Alice one', 'Alice two']);
      expect(await names(bob)).toEqual(['Bob one']);
    });

    it('paginates with page, limit and meta; a page past the last is empty', async () => {
      const token = await newToken();
      for (let i = 1; i <= 5; i++) await create(token, `Page item ${i}`);

      const first = await http.get(TEMPLATES, { token, query: { limit: '2' } });
      expect(first.status).toBe(200);
      expect(first.body.meta).toEqual({ page: 1, limit: 2, total: 5, totalPages: 3 });
      const seen: string[] = [];
      for (const page of ['1', '2', '3']) {
        const reply = await http.get(TEMPLATES, { token, query: { page, limit: '2' } });
        expect(reply.body.meta).toEqual({ page: Number(page), limit: 2, total: 5, totalPages: 3 });
        seen.push(...reply.body.data.map((t: TemplateBody) => t.name));
      }
      expect(seen).toEqual([5, 4, 3, 2, 1].map((i) => `Page item ${i}`));

      const past = await http.get(TEMPLATES, { token, query: { page: '4', limit: '2' } });
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ data: [], meta: { page: 4, limit: 2, total: 5, totalPages: 3 } });
      const farPast = await http.get(TEMPLATES, {
        token,
        query: { page: '2147483647', limit: '100' },
      });
      expect(farPast.status).toBe(200);
      expect(farPast.body.data).toEqual([]);

      const defaults = await http.get(TEMPLATES, { token, query: { unknown: 'ignored' } });
      expect(defaults.body.meta).toEqual({ page: 1, limit: 20, total: 5, totalPages: 1 });
      expect(defaults.body.data).toHaveLength(5);
      expect(Object.keys(defaults.body.data[0]).sort()).toEqual(
        ['content', 'createdAt', 'id', 'name', 'updatedAt', 'version'].sort(),
      );
    });

    it('answers an empty list for a user with no templates', async () => {
      const reply = await http.get(TEMPLATES, { token: await newToken() });
      expect(reply.body).toEqual({
        data: [],
        meta: { page: 1, limit: 20, total: 0, totalPages: 0 },
      });
    });

    it.each([
      ['limit', { limit: '0' }],
      ['limit', { limit: '101' }],
      ['limit', { limit: 'ten' }],
      ['limit', { limit: '1.5' }],
      ['page', { page: '0' }],
      ['page', { page: '-1' }],
      ['page', { page: 'abc' }],
      ['page', { page: '1e30' }],
      ['q', { q: 'nul\u0000' }],
      ['q', { q: 'q'.repeat(201) }],
    ])('refuses a bad %s', async (field, query) => {
      expectFieldError(await http.get(TEMPLATES, { token: await newToken(), query }), field);
    });

    it('accepts limit 1 and 100', async () => {
      const token = await newToken();
      for (const limit of ['1', '100']) {
        const reply = await http.get(TEMPLATES, { token, query: { limit } });
        expect(reply.status).toBe(200);
        expect(reply.body.meta.limit).toBe(Number(limit));
      }
    });

    it('searches names for a case-insensitive substring, with % _ and \\ taken literally', async () => {
      const token = await newToken();
      for (const name of ['100% pure', '100 pure', 'snake_case', 'snakeXcase', 'back\\slash']) {
        await create(token, name);
      }
      const search = async (q: string) => (await names(token, { q, sort: 'name' })).sort();
      expect(await search('%')).toEqual(['100% pure']);
      expect(await search('0%')).toEqual(['100% pure']);
      expect(await search('_')).toEqual(['snake_case']);
      expect(await search('SNAKE_C')).toEqual(['snake_case']);
      expect(await search('SnAkE')).toEqual(['snakeXcase', 'snake_case']);
      expect(await search('\\')).toEqual(['back\\slash']);
      expect(await search('pure')).toEqual(['100 pure', '100% pure']);
      expect(await search('nothing like it')).toEqual([]);

      const counted = await http.get(TEMPLATES, { token, query: { q: 'snake', limit: '1' } });
      expect(counted.body.meta).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 });
    });

    it('never finds another user’s templates by search', async () => {
      const [alice, bob] = [await newToken(), await newToken()];
      await create(alice, 'Secret plan');
      expect(await names(bob, { q: 'secret' })).toEqual([]);
    });

    it('sorts by each allowed value, newest first by default', async () => {
      const token = await newToken();
      const bravo = await create(token, 'bravo');
      await create(token, 'alpha');
      await create(token, 'Charlie');
      const patched = await http.patch(`${TEMPLATES}/${bravo.id}`, {
        token,
        body: { content: 'touched last' },
      });
      expect(patched.status).toBe(200);

      expect(await names(token)).toEqual(['Charlie', 'alpha', 'bravo']);
      expect(await names(token, { sort: '-createdAt' })).toEqual(['Charlie', 'alpha', 'bravo']);
      expect(await names(token, { sort: 'createdAt' })).toEqual(['bravo', 'alpha', 'Charlie']);
      expect(await names(token, { sort: 'name' })).toEqual(['alpha', 'bravo', 'Charlie']);
      expect(await names(token, { sort: '-name' })).toEqual(['Charlie', 'bravo', 'alpha']);
      expect(await names(token, { sort: 'updatedAt' })).toEqual(['alpha', 'Charlie', 'bravo']);
      expect(await names(token, { sort: '-updatedAt' })).toEqual(['bravo', 'Charlie', 'alpha']);
    });

    it.each(['title', 'NAME', '+name', 'name,createdAt', '--name', '', 'id', 'ownerId'])(
      'refuses sort=%p',
      async (sort) => {
        expectFieldError(
          await http.get(TEMPLATES, { token: await newToken(), query: { sort } }),
          'sort',
        );
      },
    );
  });

  describe('GET /templates/:id', () => {
    it('answers the template with its ETag', async () => {
      const token = await newToken();
      const created = await create(token, 'Readable', 'body');
      const reply = await fetch(token, created.id);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(created);
      expect(reply.headers.etag).toBe('"1"');
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const token = await newToken();
      expectFieldError(await fetch(token, 'not-a-uuid'), 'id');
      expectFieldError(await fetch(token, '123'), 'id');
      expectProblem(await fetch(token, randomUUID()), 404, 'not-found');
    });
  });
});

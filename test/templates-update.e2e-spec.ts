import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectBodyRefusals, expectFieldError, expectProblem, useApp } from './support/app.js';
import { ISO_UTC, type TemplateBody, templateCalls, TEMPLATES } from './support/templates.js';

describe('Templates (e2e)', () => {
  const suite = useApp();
  const { http } = suite;
  const { newToken, create, fetch, warmUpPool } = templateCalls(http);

  describe('PATCH /templates/:id', () => {
    it('changes name and/or content, bumps the version by one and answers the new ETag', async () => {
      const token = await newToken();
      const created = await create(token, 'Draft', 'v1 text');

      const renamed = await http.patch(`${TEMPLATES}/${created.id}`, {
        token,
        body: { name: '  Final  ' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.headers.etag).toBe('"2"');
      expect(renamed.body).toEqual({
        ...created,
        name: 'Final',
        version: 2,
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(
        Date.parse(created.updatedAt),
      );

      const rewritten = await http.patch(`${TEMPLATES}/${created.id}`, {
        token,
        body: { content: '' },
      });
      expect(rewritten.body).toEqual(
        expect.objectContaining({ name: 'Final', content: '', version: 3 }),
      );
      expect(rewritten.headers.etag).toBe('"3"');

      const both = await http.patch(`${TEMPLATES}/${created.id}`, {
        token,
        body: { name: 'Both', content: 'both changed' },
      });
      expect(both.body).toEqual(
        expect.objectContaining({ name: 'Both', content: 'both changed', version: 4 }),
      );

      const read = await fetch(token, created.id);
      expect(read.body).toEqual(both.body);
      expect(read.headers.etag).toBe('"4"');
    });

    it.each([
      ['body', {}],
      ['name', { name: null }],
      ['name', { name: '   ' }],
      ['name', { name: 'n'.repeat(121) }],
      ['content', { content: null }],
      ['content', { content: '\u0000' }],
      ['name', { name: 'x\ud83d' }],
      ['content', { content: 'c'.repeat(65_537) }],
      ['ownerId', { content: 'x', ownerId: randomUUID() }],
      ['version', { content: 'x', version: 7 }],
      ['id', { content: 'x', id: randomUUID() }],
    ])('refuses a bad %s and changes nothing', async (field, body) => {
      const token = await newToken();
      const created = await create(token, 'Stable', 'same');
      expectFieldError(await http.patch(`${TEMPLATES}/${created.id}`, { token, body }), field);
      expect((await fetch(token, created.id)).body).toEqual(created);
    });

    it('answers a malformed id, a wrong media type and a huge body', async () => {
      const token = await newToken();
      const created = await create(token, 'Guarded');
      expectFieldError(
        await http.patch(`${TEMPLATES}/nope`, { token, body: { content: 'x' } }),
        'id',
      );
      await expectBodyRefusals(http, 'PATCH', `${TEMPLATES}/${created.id}`, token);
      expect((await fetch(token, created.id)).body).toEqual(created);
    });

    it('answers 409 naming name when renaming onto another template, ignoring case', async () => {
      const token = await newToken();
      await create(token, 'Taken');
      const other = await create(token, 'Other');
      const reply = await http.patch(`${TEMPLATES}/${other.id}`, {
        token,
        body: { name: 'TAKEN' },
      });
      expectProblem(reply, 409, 'conflict');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
      expect((await fetch(token, other.id)).body).toEqual(other);

      const recased = await http.patch(`${TEMPLATES}/${other.id}`, {
        token,
        body: { name: 'OTHER' },
      });
      expect(recased.status).toBe(200);
      expect(recased.body.name).toBe('OTHER');
    });

    it('answers 404 for an unknown template', async () => {
      const reply = await http.patch(`${TEMPLATES}/${randomUUID()}`, {
        token: await newToken(),
        body: { content: 'x' },
      });
      expectProblem(reply, 404, 'not-found');
    });
  });

  describe('If-Match', () => {
    async function template(token: string, name: string): Promise<TemplateBody> {
      const created = await create(token, name, 'original');
      // Bring it to version 2, so that "1" is a stale ETag.
      const reply = await http.patch(`${TEMPLATES}/${created.id}`, {
        token,
        body: { content: 'second' },
      });
      expect(reply.headers.etag).toBe('"2"');
      return reply.body as TemplateBody;
    }

    const patchWith = (token: string, id: string, ifMatch: string, content = 'changed') =>
      http.patch(`${TEMPLATES}/${id}`, {
        token,
        body: { content },
        headers: { 'if-match': ifMatch },
      });

    it.each(['"2"', '*', '"7", "2"', ' "1" ,, "2" ', 'W/"1", "2"'])(
      'applies a PATCH with If-Match %s',
      async (ifMatch) => {
        const token = await newToken();
        const current = await template(token, 'Matching');
        const reply = await patchWith(token, current.id, ifMatch);
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual(expect.objectContaining({ content: 'changed', version: 3 }));
        expect(reply.headers.etag).toBe('"3"');
      },
    );

    it.each(['"1"', '"3"', 'W/"2"', '"02"', '"v2"', '"1", "3"', '""', '"99999999999"', ''])(
      'answers 412 to a PATCH with If-Match %p and changes nothing',
      async (ifMatch) => {
        const token = await newToken();
        const current = await template(token, 'Stale');
        const reply = await patchWith(token, current.id, ifMatch);
        expectProblem(reply, 412, 'precondition-failed');
        expect(reply.headers.etag).toBeUndefined();
        expect((await fetch(token, current.id)).body).toEqual(current);
      },
    );

    it.each(['2', '"2', '2"', '*, "2"', 'W/2', '"2" "3"', "'2'", 'w/"2"'])(
      'answers 400 to a malformed If-Match %p and changes nothing',
      async (ifMatch) => {
        const token = await newToken();
        const current = await template(token, 'Malformed');
        expectFieldError(await patchWith(token, current.id, ifMatch), 'If-Match');
        expectFieldError(
          await http.delete(`${TEMPLATES}/${current.id}`, {
            token,
            headers: { 'if-match': ifMatch },
          }),
          'If-Match',
        );
        expect((await fetch(token, current.id)).body).toEqual(current);
      },
    );

    it('checks ownership before the precondition: a missing template is 404, never 412', async () => {
      const token = await newToken();
      expectProblem(await patchWith(token, randomUUID(), '"1"'), 404, 'not-found');
      expectProblem(await patchWith(token, randomUUID(), '*'), 404, 'not-found');
      expectProblem(
        await http.delete(`${TEMPLATES}/${randomUUID()}`, {
          token,
          headers: { 'if-match': '"1"' },
        }),
        404,
        'not-found',
      );
    });

    it('lets exactly one of concurrent PATCHes holding the same ETag win', async () => {
      const token = await newToken();
      const created = await create(token, 'Contended', 'original');
      await warmUpPool(token);
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => patchWith(token, created.id, '"1"', `writer ${i}`)),
      );
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses).toEqual([200, ...Array<number>(9).fill(412)]);
      for (const loser of replies.filter((reply) => reply.status === 412)) {
        expectProblem(loser, 412, 'precondition-failed');
      }

      const winner = replies.find((reply) => reply.status === 200)!;
      const read = await fetch(token, created.id);
      expect(read.body.version).toBe(2);
      expect(read.body.content).toBe(winner.body.content);
      expect(read.headers.etag).toBe('"2"');
    });

    it('applies every one of concurrent unconditional PATCHes, one version each', async () => {
      const token = await newToken();
      const created = await create(token, 'Unconditional');
      await warmUpPool(token);
      const replies = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          http.patch(`${TEMPLATES}/${created.id}`, { token, body: { content: `w${i}` } }),
        ),
      );
      expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200]);
      expect(replies.map((reply) => reply.body.version).sort()).toEqual([2, 3, 4, 5, 6]);
      expect((await fetch(token, created.id)).body.version).toBe(6);
    });
  });
});

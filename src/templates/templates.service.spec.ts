import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { automock } from '../../test/support/strict-mock.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { ListTemplatesQueryDto } from './dto/list-templates-query.dto.js';
import { Template } from './template.entity.js';
import { TemplatesRepository } from './templates.repository.js';
import { TemplatesService } from './templates.service.js';

const ownerId = '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a';
const id = '3f2b8c1e-7d4a-4e9b-8c6f-1a2b3c4d5e6f';
const key = { id, ownerId };

function template(overrides: Partial<Template> = {}): Template {
  return Object.assign(new Template(), {
    id,
    ownerId,
    name: 'Welcome email',
    content: 'Hello',
    version: 3,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    updatedAt: new Date('2026-11-21T10:05:00.000Z'),
    ...overrides,
  });
}

function listQuery(overrides: Partial<ListTemplatesQueryDto> = {}): ListTemplatesQueryDto {
  return Object.assign(new ListTemplatesQueryDto(), overrides);
}

const uniqueViolation = (constraint: string) =>
  Object.assign(new Error('duplicate key value violates unique constraint'), {
    driverError: { code: '23505', constraint },
  });

const problem = (problem: Problem, field?: string) =>
  expect.objectContaining({
    problem,
    ...(field && {
      options: expect.objectContaining({ errors: [expect.objectContaining({ field })] }),
    }),
  });

describe(TemplatesService.name, () => {
  let sut: TemplatesService;
  let repository: jest.Mocked<TemplatesRepository>;

  beforeEach(() => {
    repository = automock(TemplatesRepository);
    sut = new TemplatesService(repository);
  });

  describe('create', () => {
    it("inserts for the owner and answers the public view, without the owner's id", async () => {
      repository.insert.mockResolvedValue(template({ version: 1 }));
      const created = await sut.create(ownerId, { name: 'Welcome email', content: 'Hello' });
      expect(repository.insert).toHaveBeenCalledWith({
        ownerId,
        name: 'Welcome email',
        content: 'Hello',
      });
      expect(created).toEqual({
        id,
        name: 'Welcome email',
        content: 'Hello',
        version: 1,
        createdAt: '2026-11-21T10:00:00.000Z',
        updatedAt: '2026-11-21T10:05:00.000Z',
      });
    });

    it('answers a violation of the per-owner name index with 409 naming name', async () => {
      repository.insert.mockRejectedValue(uniqueViolation('UQ_templates_owner_name'));
      await expect(sut.create(ownerId, { name: 'Taken', content: '' })).rejects.toEqual(
        problem(Problem.Conflict, 'name'),
      );
    });

    it('lets any other database error through untouched', async () => {
      const other = uniqueViolation('some_other_index');
      repository.insert.mockRejectedValue(other);
      await expect(sut.create(ownerId, { name: 'x', content: '' })).rejects.toBe(other);
    });
  });

  describe('list', () => {
    it.each([
      ['name', 'name', 'ASC'],
      ['-name', 'name', 'DESC'],
      ['createdAt', 'createdAt', 'ASC'],
      ['-createdAt', 'createdAt', 'DESC'],
      ['updatedAt', 'updatedAt', 'ASC'],
      ['-updatedAt', 'updatedAt', 'DESC'],
    ] as const)('orders sort=%s by %s %s', async (sort, field, direction) => {
      repository.listOwned.mockResolvedValue([[], 0]);
      await sut.list(ownerId, listQuery({ sort }));
      expect(repository.listOwned).toHaveBeenCalledWith(
        ownerId,
        expect.objectContaining({ order: { field, direction } }),
      );
    });

    it('defaults to newest first', async () => {
      repository.listOwned.mockResolvedValue([[], 0]);
      await sut.list(ownerId, listQuery());
      expect(repository.listOwned).toHaveBeenCalledWith(
        ownerId,
        expect.objectContaining({ order: { field: 'createdAt', direction: 'DESC' } }),
      );
    });

    it.each(['title', 'NAME', '+name', '--name', '', 'name,createdAt'])(
      'refuses sort=%p with 400 naming sort, before any query',
      async (sort) => {
        await expect(sut.list(ownerId, listQuery({ sort: sort as 'name' }))).rejects.toEqual(
          problem(Problem.ValidationFailed, 'sort'),
        );
        expect(repository.listOwned).not.toHaveBeenCalled();
      },
    );

    it("asks for the owner's page with the search text and answers data with meta", async () => {
      repository.listOwned.mockResolvedValue([[template()], 25]);
      const page = await sut.list(ownerId, listQuery({ page: 3, limit: 10, q: '50%_off' }));
      expect(repository.listOwned).toHaveBeenCalledWith(ownerId, {
        nameContains: '50%_off',
        order: { field: 'createdAt', direction: 'DESC' },
        offset: 20,
        limit: 10,
      });
      expect(page).toEqual({
        data: [expect.objectContaining({ id, version: 3 })],
        meta: { page: 3, limit: 10, total: 25, totalPages: 3 },
      });
    });
  });

  describe('get', () => {
    it("reads by id and owner and answers the template's public view", async () => {
      repository.findOwned.mockResolvedValue(template());
      await expect(sut.get(ownerId, id)).resolves.toEqual(expect.objectContaining({ id }));
      expect(repository.findOwned).toHaveBeenCalledWith(key);
    });

    it("answers 404 when there is no such template for this owner (missing or someone else's)", async () => {
      repository.findOwned.mockResolvedValue(null);
      await expect(sut.get(ownerId, id)).rejects.toEqual(problem(Problem.NotFound));
    });
  });

  describe('update', () => {
    it('refuses an empty change with 400 before any query', async () => {
      await expect(sut.update(ownerId, id, {})).rejects.toEqual(
        problem(Problem.ValidationFailed, 'body'),
      );
    });

    it('changes only the given fields and answers the new version', async () => {
      repository.updateOwned.mockResolvedValue(template({ name: 'Final', version: 4 }));
      const updated = await sut.update(ownerId, id, { name: 'Final' });
      expect(repository.updateOwned).toHaveBeenCalledWith(key, { name: 'Final' }, undefined);
      expect(updated).toEqual(expect.objectContaining({ name: 'Final', version: 4 }));
    });

    it('answers a clash with another template name with 409 naming name', async () => {
      repository.updateOwned.mockRejectedValue(uniqueViolation('UQ_templates_owner_name'));
      await expect(sut.update(ownerId, id, { name: 'Taken' }, [3])).rejects.toEqual(
        problem(Problem.Conflict, 'name'),
      );
    });

    it('passes the accepted versions on as the condition', async () => {
      repository.updateOwned.mockResolvedValue(template({ version: 4 }));
      await sut.update(ownerId, id, { content: 'x' }, [2, 3]);
      expect(repository.updateOwned).toHaveBeenCalledWith(key, { content: 'x' }, [2, 3]);
    });

    describe('when no row was changed', () => {
      beforeEach(() => {
        repository.updateOwned.mockResolvedValue(undefined);
      });

      it('answers 404 at once when the write was unconditional', async () => {
        await expect(sut.update(ownerId, id, { content: 'x' })).rejects.toEqual(
          problem(Problem.NotFound),
        );
      });

      it('answers 412 when the template is still there for this owner', async () => {
        repository.existsOwned.mockResolvedValue(true);
        await expect(sut.update(ownerId, id, { content: 'x' }, [2])).rejects.toEqual(
          problem(Problem.PreconditionFailed),
        );
        expect(repository.existsOwned).toHaveBeenCalledWith(key);
      });

      it("answers 404, not 412, when it is missing or someone else's", async () => {
        repository.existsOwned.mockResolvedValue(false);
        await expect(sut.update(ownerId, id, { content: 'x' }, [2])).rejects.toEqual(
          problem(Problem.NotFound),
        );
        expect(repository.existsOwned).toHaveBeenCalledWith(key);
      });
    });
  });

  describe('remove', () => {
    it('deletes under the version condition', async () => {
      repository.deleteOwned.mockResolvedValue(true);
      await sut.remove(ownerId, id, [7]);
      expect(repository.deleteOwned).toHaveBeenCalledWith(key, [7]);
    });

    it('deletes unconditionally without versions', async () => {
      repository.deleteOwned.mockResolvedValue(true);
      await sut.remove(ownerId, id);
      expect(repository.deleteOwned).toHaveBeenCalledWith(key, undefined);
    });

    it('answers 404 at once when an unconditional delete found nothing', async () => {
      repository.deleteOwned.mockResolvedValue(false);
      await expect(sut.remove(ownerId, id)).rejects.toEqual(problem(Problem.NotFound));
    });

    it('answers 412 when a conditional delete found the template at another version', async () => {
      repository.deleteOwned.mockResolvedValue(false);
      repository.existsOwned.mockResolvedValue(true);
      await expect(sut.remove(ownerId, id, [1])).rejects.toEqual(
        problem(Problem.PreconditionFailed),
      );
    });

    it("answers 404 when a conditional delete found no template of this owner's", async () => {
      repository.deleteOwned.mockResolvedValue(false);
      repository.existsOwned.mockResolvedValue(false);
      const error = await sut.remove(ownerId, id, [1]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppException);
      expect(error).toEqual(problem(Problem.NotFound));
    });
  });
});

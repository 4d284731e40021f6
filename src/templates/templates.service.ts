import { Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { offsetOf, Paginated, paginated } from '../common/pagination/paginated.js';
import type { AcceptedVersions } from '../common/http/version-etag.js';
import { uniqueViolation } from '../common/database/database-errors.js';
import { CreateTemplateDto } from './dto/create-template.dto.js';
import { ListTemplatesQueryDto, TEMPLATE_SORTS } from './dto/list-templates-query.dto.js';
import { TemplateDto } from './dto/template.dto.js';
import { UpdateTemplateDto } from './dto/update-template.dto.js';
import {
  OwnedTemplateKey,
  TemplateChanges,
  TemplateOrder,
  TemplatesRepository,
} from './templates.repository.js';

const NAME_INDEX = 'UQ_templates_owner_name';
const notFound = () => AppException.notFound('Template');

const preconditionFailed = () =>
  new AppException(
    Problem.PreconditionFailed,
    'The template has changed since the ETag given in If-Match; fetch it again.',
  );

/** Turns the per-owner unique name index into a 409 naming the field; rethrows the rest. */
function rethrowNameConflict(error: unknown): never {
  if (uniqueViolation(error) === NAME_INDEX) {
    throw AppException.conflict('name', 'name is already used by another of your templates');
  }
  throw error;
}

@Injectable()
export class TemplatesService {
  constructor(private readonly templates: TemplatesRepository) {}

  async create(ownerId: string, dto: CreateTemplateDto): Promise<TemplateDto> {
    const template = await this.templates
      .insert({ ownerId, name: dto.name, content: dto.content })
      .catch(rethrowNameConflict);
    return TemplateDto.from(template);
  }

  async list(ownerId: string, query: ListTemplatesQueryDto): Promise<Paginated<TemplateDto>> {
    const [templates, total] = await this.templates.listOwned(ownerId, {
      nameContains: query.q,
      order: this.orderOf(query.sort),
      offset: offsetOf(query),
      limit: query.limit,
    });
    return paginated(
      templates.map((template) => TemplateDto.from(template)),
      total,
      query,
    );
  }

  async get(ownerId: string, id: string): Promise<TemplateDto> {
    const template = await this.templates.findOwned({ id, ownerId });
    if (!template) throw notFound();
    return TemplateDto.from(template);
  }

  /** Changes a template; with `versions`, only when it is at one of them (else 412). */
  async update(
    ownerId: string,
    id: string,
    dto: UpdateTemplateDto,
    versions?: AcceptedVersions,
  ): Promise<TemplateDto> {
    const changes: TemplateChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.content !== undefined) changes.content = dto.content;
    if (Object.keys(changes).length === 0) {
      throw AppException.validation('body', 'Give at least one of name and content.');
    }
    const key = { id, ownerId };
    const updated = await this.templates
      .updateOwned(key, changes, versions)
      .catch(rethrowNameConflict);
    if (updated) return TemplateDto.from(updated);
    throw await this.whyUnchanged(key, versions);
  }

  /** Deletes a template; with `versions`, only when it is at one of them (else 412). */
  async remove(ownerId: string, id: string, versions?: AcceptedVersions): Promise<void> {
    const key = { id, ownerId };
    if (await this.templates.deleteOwned(key, versions)) return;
    throw await this.whyUnchanged(key, versions);
  }

  /** `?sort=` as an order: a field, descending when it starts with `-`. */
  private orderOf(sort: string): TemplateOrder {
    if (!(TEMPLATE_SORTS as readonly string[]).includes(sort)) {
      throw AppException.validation('sort', `sort must be one of ${TEMPLATE_SORTS.join(', ')}`);
    }
    const descending = sort.startsWith('-');
    return {
      field: (descending ? sort.slice(1) : sort) as TemplateOrder['field'],
      direction: descending ? 'DESC' : 'ASC',
    };
  }

  /**
   * A conditional write that touched no row: ownership comes first, so a template that is
   * missing or someone else's is 404 however the condition reads; only an owned one is 412.
   */
  private async whyUnchanged(
    key: OwnedTemplateKey,
    versions: AcceptedVersions,
  ): Promise<AppException> {
    if (versions === undefined) return notFound();
    return (await this.templates.existsOwned(key)) ? preconditionFailed() : notFound();
  }
}

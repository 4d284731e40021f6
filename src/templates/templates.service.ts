import { Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import { offsetOf, Paginated, paginated } from '../common/pagination/paginated.js';
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
// `version` is a PostgreSQL integer: a larger number in If-Match can match nothing, and must
// not reach the query, where it would be an error.
const MAX_VERSION = 2 ** 31 - 1;
// One member of an If-Match list (RFC 9110 §8.8.3): an optional weak prefix and a quoted
// opaque tag, then a comma or the end. Leading commas and blanks are empty list elements.
// Sticky, and copied per header, since the scan keeps its position in `lastIndex`.
const ENTITY_TAG = /[ \t,]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
const ONLY_SEPARATORS = /^[ \t,]*$/;

/**
 * What an If-Match header asks for: `undefined` when the write is unconditional (no header or
 * `*`), else the versions it would accept, possibly none.
 */
type AcceptedVersions = readonly number[] | undefined;

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

  /** The strong ETag of a template: its version, quoted. */
  etagOf(template: { version: number }): string {
    return `"${template.version}"`;
  }

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

  async update(
    ownerId: string,
    id: string,
    dto: UpdateTemplateDto,
    ifMatch?: string,
  ): Promise<TemplateDto> {
    const changes: TemplateChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.content !== undefined) changes.content = dto.content;
    if (Object.keys(changes).length === 0) {
      throw AppException.validation('body', 'Give at least one of name and content.');
    }
    const versions = this.acceptedVersions(ifMatch);
    const key = { id, ownerId };
    const updated = await this.templates
      .updateOwned(key, changes, versions)
      .catch(rethrowNameConflict);
    if (updated) return TemplateDto.from(updated);
    throw await this.whyUnchanged(key, versions);
  }

  async remove(ownerId: string, id: string, ifMatch?: string): Promise<void> {
    const versions = this.acceptedVersions(ifMatch);
    const key = { id, ownerId };
    if (await this.templates.deleteOwned(key, versions)) return;
    throw await this.whyUnchanged(key, versions);
  }

  /**
   * Parses If-Match (RFC 9110 §13.1.1) against our ETags. Comparison is strong, so a weak tag
   * never matches, nor does a tag we would never issue; they are dropped, not errors. A header
   * that is not a list of entity tags, or `*` mixed with tags, is a 400.
   */
  private acceptedVersions(header: string | undefined): AcceptedVersions {
    if (header === undefined || header.trim() === '*') return undefined;
    const versions: number[] = [];
    const tag = new RegExp(ENTITY_TAG);
    while (!ONLY_SEPARATORS.test(header.slice(tag.lastIndex))) {
      const match = tag.exec(header);
      if (!match) {
        throw AppException.validation(
          'If-Match',
          'If-Match must be * or a comma-separated list of quoted ETags, such as "3"',
        );
      }
      const [, weak, opaque] = match;
      const version = Number(opaque);
      const ours =
        Number.isInteger(version) &&
        version >= 1 &&
        version <= MAX_VERSION &&
        this.etagOf({ version }) === `"${opaque}"`;
      if (!weak && ours) versions.push(version);
    }
    return versions;
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

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DatabasePool } from '../common/database/database-pool.js';
import { likePattern } from '../common/pagination/paginated.js';
import { Template } from './template.entity.js';

/** A template as its owner addresses it: every read and write is scoped to the owner. */
export interface OwnedTemplateKey {
  id: string;
  ownerId: string;
}

export interface NewTemplate {
  ownerId: string;
  name: string;
  content: string;
}

export interface TemplateChanges {
  name?: string;
  content?: string;
}

export type TemplateSortField = 'name' | 'createdAt' | 'updatedAt';

export interface TemplateOrder {
  field: TemplateSortField;
  direction: 'ASC' | 'DESC';
}

export interface TemplateListOptions {
  /** A literal, case-insensitive substring of the name. */
  nameContains?: string;
  order: TemplateOrder;
  offset: number;
  limit: number;
}

const SORT_EXPRESSIONS: Record<TemplateSortField, string[]> = {
  name: ['lower(template.name)', 'template.name'],
  createdAt: ['template.createdAt'],
  updatedAt: ['template.updatedAt'],
};

/** What a client sees of a template: all of it but the owner. */
export type TemplateView = Pick<
  Template,
  'id' | 'name' | 'content' | 'version' | 'createdAt' | 'updatedAt'
>;

const FIND_OWNED =
  'SELECT id, name, content, version, created_at AS "createdAt", updated_at AS "updatedAt" ' +
  'FROM templates WHERE id = $1 AND owner_id = $2';

interface TemplateRow {
  id: string;
  owner_id: string;
  name: string;
  content: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The templates table. No rules here: the service decides what a result means. */
@Injectable()
export class TemplatesRepository {
  constructor(
    @InjectRepository(Template) private readonly templates: Repository<Template>,
    private readonly database: DatabasePool,
  ) {}

  async insert(values: NewTemplate): Promise<Template> {
    const template = this.templates.create({ ...values, version: 1 });
    // insert() writes the generated id and timestamps back into the entity.
    await this.templates.insert(template);
    return template;
  }

  /**
   * The hot read: one statement on the pool of TypeORM's own PostgreSQL driver (the same
   * connections and settings), without a query runner made for it, query building or entity
   * hydration, and only the columns a representation needs.
   */
  async findOwned({ id, ownerId }: OwnedTemplateKey): Promise<TemplateView | null> {
    const { rows } = await this.database.pool.query<TemplateView>(FIND_OWNED, [id, ownerId]);
    return rows[0] ?? null;
  }

  existsOwned({ id, ownerId }: OwnedTemplateKey): Promise<boolean> {
    return this.templates.existsBy({ id, ownerId });
  }

  listOwned(ownerId: string, options: TemplateListOptions): Promise<[Template[], number]> {
    const query = this.templates
      .createQueryBuilder('template')
      .where('template.ownerId = :ownerId', { ownerId });
    if (options.nameContains !== undefined) {
      query.andWhere(`template.name ILIKE :pattern ESCAPE '\\'`, {
        pattern: likePattern(options.nameContains),
      });
    }
    const { field, direction } = options.order;
    // The id breaks ties, so that pages neither repeat nor skip rows.
    for (const expression of [...SORT_EXPRESSIONS[field], 'template.id']) {
      query.addOrderBy(expression, direction);
    }
    return query.offset(options.offset).limit(options.limit).getManyAndCount();
  }

  /**
   * Applies the changes and bumps the version in one statement. With `versions`, only a row
   * whose version is one of them is changed: the database decides, so of two writers holding
   * the same version exactly one gets the row. Nothing is returned when no row was changed.
   */
  async updateOwned(
    { id, ownerId }: OwnedTemplateKey,
    changes: TemplateChanges,
    versions?: readonly number[],
  ): Promise<Template | undefined> {
    const query = this.templates
      .createQueryBuilder()
      .update(Template)
      .set({ ...changes, version: () => '"version" + 1', updatedAt: () => 'now()' })
      .where({ id, ownerId });
    if (versions) query.andWhere('"version" = ANY(:versions)', { versions });
    const result = await query.returning('*').execute();
    const [row] = result.raw as TemplateRow[];
    return row && this.fromRow(row);
  }

  /** Deletes in one statement, under the same version condition as `updateOwned`. */
  async deleteOwned(
    { id, ownerId }: OwnedTemplateKey,
    versions?: readonly number[],
  ): Promise<boolean> {
    const query = this.templates
      .createQueryBuilder()
      .delete()
      .from(Template)
      .where({ id, ownerId });
    if (versions) query.andWhere('"version" = ANY(:versions)', { versions });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  private fromRow(row: TemplateRow): Template {
    return this.templates.create({
      id: row.id,
      ownerId: row.owner_id,
      name: row.name,
      content: row.content,
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }
}

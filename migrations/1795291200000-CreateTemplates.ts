import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTemplates1795291200000 implements MigrationInterface {
  name = 'CreateTemplates1795291200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "templates" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "owner_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "name" varchar(120) NOT NULL,
        "content" text NOT NULL,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "templates_name_not_empty" CHECK (char_length("name") >= 1),
        CONSTRAINT "templates_content_length" CHECK (char_length("content") <= 65536),
        CONSTRAINT "templates_version_positive" CHECK ("version" >= 1)
      )`);
    // Duplicate names are refused here, not by a read before the insert; it also serves
    // every lookup by owner.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_templates_owner_name" ON "templates" ("owner_id", lower("name"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_templates_owner_created_at" ON "templates" ("owner_id", "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "templates"`);
  }
}

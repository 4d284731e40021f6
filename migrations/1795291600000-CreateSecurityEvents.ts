import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSecurityEvents1795291600000 implements MigrationInterface {
  name = 'CreateSecurityEvents1795291600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to users: the trail of a deleted account outlives it until retention.
    await queryRunner.query(`
      CREATE TABLE "security_events" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "type" varchar(64) NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now(),
        "user_id" uuid,
        "actor_id" uuid,
        "session_id" uuid,
        "ip" varchar(64),
        "user_agent" varchar(512),
        "request_id" varchar(128),
        "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT "security_events_details_object" CHECK (jsonb_typeof("details") = 'object')
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_security_events_user_at" ON "security_events" ("user_id", "at" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_security_events_at" ON "security_events" ("at" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_security_events_type_at" ON "security_events" ("type", "at" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "security_events"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795291100000 implements MigrationInterface {
  name = 'InitialSchema1795291100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "email" varchar(254) NOT NULL,
        "username" varchar(32) NOT NULL,
        "name" varchar(100),
        "password_hash" varchar(100) NOT NULL,
        "role" varchar(16) NOT NULL DEFAULT 'user' CHECK ("role" IN ('user', 'admin')),
        "is_active" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "users_email_lower_case" CHECK ("email" = lower("email"))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users" ("email")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_users_username" ON "users" (lower("username"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_users_created_at" ON "users" ("created_at")`);

    await queryRunner.query(`
      CREATE TABLE "sessions" (
        "id" uuid PRIMARY KEY,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "refresh_token_hash" char(64) NOT NULL,
        "user_agent" varchar(512),
        "ip" varchar(64),
        "created_at" timestamptz NOT NULL,
        "last_used_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sessions_refresh_token_hash" ON "sessions" ("refresh_token_hash")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_expires_at" ON "sessions" ("expires_at")`);

    await queryRunner.query(`
      CREATE TABLE "retired_refresh_tokens" (
        "token_hash" char(64) PRIMARY KEY,
        "session_id" uuid NOT NULL REFERENCES "sessions" ("id") ON DELETE CASCADE,
        "retired_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_retired_refresh_tokens_session_id" ON "retired_refresh_tokens" ("session_id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "revoked_access_tokens" (
        "jti" uuid PRIMARY KEY,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "expires_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_revoked_access_tokens_expires_at" ON "revoked_access_tokens" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "revoked_access_tokens"`);
    await queryRunner.query(`DROP TABLE "retired_refresh_tokens"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}

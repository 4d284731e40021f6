import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed logins in a row per login name, shared by every instance. Keyed by a hash of the
 * lower-cased name (no address sits here), with no trigger: a failed login raises no
 * notification, and nothing here is read outside a login.
 */
export class CreateLoginLockouts1795291800000 implements MigrationInterface {
  name = 'CreateLoginLockouts1795291800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "login_lockouts" (
        "name_hash" char(64) PRIMARY KEY,
        "failures" integer NOT NULL DEFAULT 0,
        "lockouts" integer NOT NULL DEFAULT 0,
        "locked_until" timestamptz,
        "last_failure_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_login_lockouts_last_failure_at" ON "login_lockouts" ("last_failure_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "login_lockouts"`);
  }
}

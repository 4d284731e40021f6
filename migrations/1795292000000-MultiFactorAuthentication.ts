import { MigrationInterface, QueryRunner } from 'typeorm';

export class MultiFactorAuthentication1795292000000 implements MigrationInterface {
  name = 'MultiFactorAuthentication1795292000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // How each session's login was made, so that its refreshed tokens carry the same amr and aal.
    // Existing sessions were password logins.
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD "amr" text[] NOT NULL DEFAULT '{pwd}', ADD "aal" varchar(8) NOT NULL DEFAULT 'aal1'`,
    );
    // One TOTP factor per user: pending until `enabled_at` is set. `last_used_step` is the time
    // step of the last accepted code, so a code is accepted once however many instances run.
    await queryRunner.query(`
      CREATE TABLE "mfa_totp" (
        "user_id" uuid PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE,
        "secret_ciphertext" text NOT NULL,
        "enabled_at" timestamptz,
        "last_used_step" bigint,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "mfa_recovery_codes" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "code_hash" char(64) NOT NULL,
        "used_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_mfa_recovery_codes_user_hash" ON "mfa_recovery_codes" ("user_id", "code_hash")`,
    );
    // The second step of a login that answered `mfa-required`.
    await queryRunner.query(`
      CREATE TABLE "mfa_challenges" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "token_hash" char(64) NOT NULL,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "failed_attempts" integer NOT NULL DEFAULT 0,
        "expires_at" timestamptz NOT NULL,
        "used_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_mfa_challenges_token_hash" ON "mfa_challenges" ("token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mfa_challenges_user" ON "mfa_challenges" ("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mfa_challenges_expires_at" ON "mfa_challenges" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "mfa_totp"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "aal", DROP COLUMN "amr"`);
  }
}

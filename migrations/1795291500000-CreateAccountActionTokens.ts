import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccountActionTokens1795291500000 implements MigrationInterface {
  name = 'CreateAccountActionTokens1795291500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Existing accounts never proved their address: they start unverified.
    await queryRunner.query(
      `ALTER TABLE "users" ADD "email_verified" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`
      CREATE TABLE "account_action_tokens" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "purpose" varchar(16) NOT NULL,
        "token_hash" varchar(64) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "used_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "account_action_tokens_purpose" CHECK ("purpose" IN ('password-reset', 'email-verify'))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_account_action_tokens_hash" ON "account_action_tokens" ("token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_account_action_tokens_user_purpose" ON "account_action_tokens" ("user_id", "purpose")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "account_action_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified"`);
  }
}

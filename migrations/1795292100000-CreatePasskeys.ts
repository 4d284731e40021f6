import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePasskeys1795292100000 implements MigrationInterface {
  name = 'CreatePasskeys1795292100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // WebAuthn caps a credential id at 1023 bytes: 1364 characters of base64url.
    await queryRunner.query(`
      CREATE TABLE "passkeys" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "credential_id" varchar(1364) NOT NULL,
        "public_key" bytea NOT NULL,
        "counter" bigint NOT NULL DEFAULT 0,
        "transports" text[] NOT NULL DEFAULT '{}',
        "device_type" varchar(16) NOT NULL,
        "backed_up" boolean NOT NULL,
        "aaguid" uuid NOT NULL,
        "name" varchar(100) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz,
        CONSTRAINT "passkeys_counter_uint32" CHECK ("counter" BETWEEN 0 AND 4294967295)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_passkeys_credential_id" ON "passkeys" ("credential_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_passkeys_user_created" ON "passkeys" ("user_id", "created_at" DESC)`,
    );
    // Kept in the database, not in an instance's memory: options from one instance, the
    // browser's answer to another.
    await queryRunner.query(`
      CREATE TABLE "webauthn_challenges" (
        "challenge" varchar(128) PRIMARY KEY,
        "purpose" varchar(16) NOT NULL,
        "user_id" uuid REFERENCES "users" ("id") ON DELETE CASCADE,
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "webauthn_challenges_purpose" CHECK ("purpose" IN ('registration', 'authentication')),
        CONSTRAINT "webauthn_challenges_registration_user" CHECK ("purpose" <> 'registration' OR "user_id" IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_webauthn_challenges_expires_at" ON "webauthn_challenges" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webauthn_challenges"`);
    await queryRunner.query(`DROP TABLE "passkeys"`);
  }
}

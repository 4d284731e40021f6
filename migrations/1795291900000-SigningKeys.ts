import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The keys that sign and verify access tokens, shared by every instance. A key's state follows
 * from its times alone (see src/signing-keys/key-schedule.ts): `next` before `activates_at`,
 * `current` until `retires_at`, `retiring` while tokens it signed may live, `revoked` once
 * `revoked_at` is set. `private_key` is sealed under JWT_KEY_ENCRYPTION_KEY (AES-256-GCM, bound to
 * the kid and algorithm) and wiped when the key is revoked.
 *
 * Any change to the table is published on `auth_state` (once per statement, TRUNCATE included),
 * so every instance re-reads the keys at once; rotations are rare, so the cost of a NOTIFY is too.
 */
export class SigningKeys1795291900000 implements MigrationInterface {
  name = 'SigningKeys1795291900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "signing_keys" (
        "kid" varchar(64) PRIMARY KEY,
        "algorithm" varchar(8) NOT NULL CHECK ("algorithm" IN ('HS256', 'ES256', 'RS256')),
        "public_key" text,
        "private_key" text,
        "from_configuration" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "activates_at" timestamptz NOT NULL,
        "retires_at" timestamptz,
        "revoked_at" timestamptz,
        CHECK ("retires_at" IS NULL OR "retires_at" >= "activates_at"),
        CHECK ("private_key" IS NOT NULL OR "revoked_at" IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_publish_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('auth_state', json_build_object(
          'kind', 'keys', 'id', nextval('auth_state_notice_seq'))::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "signing_keys_auth_state" AFTER INSERT OR UPDATE OR DELETE ON "signing_keys"
      FOR EACH STATEMENT EXECUTE FUNCTION "auth_state_publish_keys"()`);
    await queryRunner.query(`
      CREATE TRIGGER "signing_keys_auth_state_reset" AFTER TRUNCATE ON "signing_keys"
      FOR EACH STATEMENT EXECUTE FUNCTION "auth_state_publish_keys"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`DROP FUNCTION "auth_state_publish_keys"()`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';
import { RevocationNotifications1795291300000 } from './1795291300000-RevocationNotifications.js';

/** The tables whose TRUNCATE an instance must hear of, and what it does about each. */
const RESET_TABLES = ['sessions', 'users', 'revoked_access_tokens', 'revocation_log'];

/**
 * Revocations, and only revocations, are written to `revocation_log` by triggers and published
 * from there on the `auth_state` channel: logins and refreshes write no log row and raise no
 * notification (a NOTIFY serialises the commit of every notifying transaction on the server).
 *
 * - A session: revoked or restored (`revoked_at` changed), deleted while live, moved to another
 *   user or id, or its expiry brought forward. Every column the bearer check reads of a session
 *   is watched; a refresh (`refresh_token_hash`, `last_used_at`, a later `expires_at`) is not.
 * - An access token blocklisted (or unblocked before its `exp`).
 * - A TRUNCATE of a table the bearer check reads, or of the log itself.
 *
 * The log keeps what an instance starting now must know: the revocations younger than the
 * longest access-token lifetime (it reads nothing else at start). Its row id makes every payload
 * unique, so PostgreSQL never merges two notifications of one transaction.
 *
 * User rows are not logged: an instance keeps a bounded cache of users, and every change of a
 * users row (rare: never on login or refresh) notifies the row's id so that caches drop it.
 */
export class RevocationLog1795291700000 implements MigrationInterface {
  name = 'RevocationLog1795291700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'revoked_access_tokens', 'users']) {
      await queryRunner.query(`DROP TRIGGER "${table}_auth_state_reset" ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER "${table}_auth_state" ON "${table}"`);
    }
    for (const fn of ['session', 'blocklist', 'user', 'reset']) {
      await queryRunner.query(`DROP FUNCTION "auth_state_notify_${fn}"()`);
    }

    await queryRunner.query(`
      CREATE TABLE "revocation_log" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT now(),
        "kind" varchar(16) NOT NULL CHECK ("kind" IN ('session', 'token', 'reset')),
        "subject" uuid,
        "user_id" uuid,
        "revoked_at" timestamptz,
        "expires_at" timestamptz,
        "deleted" boolean NOT NULL DEFAULT false,
        "table_name" varchar(63)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_revocation_log_at" ON "revocation_log" ("at")`);
    await queryRunner.query(`CREATE SEQUENCE "auth_state_notice_seq"`);

    await queryRunner.query(`
      CREATE FUNCTION "auth_state_publish"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('auth_state', json_build_object(
          'kind', NEW.kind,
          'id', NEW.id,
          'subject', NEW.subject,
          'userId', NEW.user_id,
          'revokedAt', floor(extract(epoch FROM NEW.revoked_at) * 1000),
          'expiresAt', floor(extract(epoch FROM NEW.expires_at) * 1000),
          'deleted', NEW.deleted,
          'table', NEW.table_name
        )::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "revocation_log_publish" AFTER INSERT ON "revocation_log"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_publish"()`);

    // A row that leaves (deleted, or renamed by a new id) is logged as deleted under its old id;
    // one that stays, with its new state.
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_log_session"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id THEN
          INSERT INTO revocation_log (kind, subject, user_id, deleted)
          VALUES ('session', OLD.id, OLD.user_id, true);
        END IF;
        IF TG_OP = 'UPDATE' THEN
          INSERT INTO revocation_log (kind, subject, user_id, revoked_at, expires_at)
          VALUES ('session', NEW.id, NEW.user_id, NEW.revoked_at, NEW.expires_at);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "sessions_revocation" AFTER UPDATE ON "sessions" FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
            OR OLD.id <> NEW.id
            OR OLD.user_id <> NEW.user_id
            OR NEW.expires_at < OLD.expires_at)
      EXECUTE FUNCTION "auth_state_log_session"()`);
    // Pruning removes sessions already expired or revoked (and logged then): nothing to say.
    await queryRunner.query(`
      CREATE TRIGGER "sessions_deletion" AFTER DELETE ON "sessions" FOR EACH ROW
      WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
      EXECUTE FUNCTION "auth_state_log_session"()`);

    await queryRunner.query(`
      CREATE FUNCTION "auth_state_log_token"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.jti IS DISTINCT FROM OLD.jti) THEN
          INSERT INTO revocation_log (kind, subject, user_id, deleted)
          VALUES ('token', OLD.jti, OLD.user_id, true);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          INSERT INTO revocation_log (kind, subject, user_id, expires_at)
          VALUES ('token', NEW.jti, NEW.user_id, NEW.expires_at);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "revoked_access_tokens_revocation"
      AFTER INSERT OR UPDATE ON "revoked_access_tokens"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_log_token"()`);
    await queryRunner.query(`
      CREATE TRIGGER "revoked_access_tokens_deletion" AFTER DELETE ON "revoked_access_tokens"
      FOR EACH ROW WHEN (OLD.expires_at > now())
      EXECUTE FUNCTION "auth_state_log_token"()`);

    // Not logged: the id is enough for a cache to drop the row and read it again.
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_notify_user"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('auth_state', json_build_object(
          'kind', 'user', 'subject', OLD.id, 'id', nextval('auth_state_notice_seq'))::text);
        IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
          PERFORM pg_notify('auth_state', json_build_object(
            'kind', 'user', 'subject', NEW.id, 'id', nextval('auth_state_notice_seq'))::text);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "users_auth_state" AFTER UPDATE OR DELETE ON "users"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_notify_user"()`);

    // At the TRUNCATE itself rather than its transaction's start: a token issued for a session
    // it removed was signed before it (logins and refreshes wait for its lock).
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_log_reset"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO revocation_log (at, kind, table_name)
        VALUES (clock_timestamp(), 'reset', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    for (const table of RESET_TABLES) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_revocation_reset" AFTER TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "auth_state_log_reset"()`);
    }

    // What the instances held before the upgrade, so that one starting now still knows it.
    await queryRunner.query(`
      INSERT INTO revocation_log (at, kind, subject, user_id, revoked_at, expires_at)
      SELECT revoked_at, 'session', id, user_id, revoked_at, expires_at FROM sessions
       WHERE revoked_at > now() - interval '1 day' AND expires_at > now()
       ORDER BY revoked_at`);
    await queryRunner.query(`
      INSERT INTO revocation_log (kind, subject, user_id, expires_at)
      SELECT 'token', jti, user_id, expires_at FROM revoked_access_tokens
       WHERE expires_at > now()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of RESET_TABLES) {
      await queryRunner.query(`DROP TRIGGER "${table}_revocation_reset" ON "${table}"`);
    }
    await queryRunner.query(`DROP TRIGGER "users_auth_state" ON "users"`);
    await queryRunner.query(
      `DROP TRIGGER "revoked_access_tokens_deletion" ON "revoked_access_tokens"`,
    );
    await queryRunner.query(
      `DROP TRIGGER "revoked_access_tokens_revocation" ON "revoked_access_tokens"`,
    );
    await queryRunner.query(`DROP TRIGGER "sessions_deletion" ON "sessions"`);
    await queryRunner.query(`DROP TRIGGER "sessions_revocation" ON "sessions"`);
    await queryRunner.query(`DROP TABLE "revocation_log"`);
    for (const fn of ['publish', 'log_session', 'log_token', 'notify_user', 'log_reset']) {
      await queryRunner.query(`DROP FUNCTION "auth_state_${fn}"()`);
    }
    await queryRunner.query(`DROP SEQUENCE "auth_state_notice_seq"`);
    await new RevocationNotifications1795291300000().up(queryRunner);
  }
}

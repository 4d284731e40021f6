import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every write to what the bearer check reads (users, sessions, the access-token blocklist)
 * raises a notification on the `auth_state` channel, from a trigger, so it goes out with the
 * transaction that made it (on commit, never on rollback) whichever path wrote: the routes,
 * the CLI, a migration or an operator's SQL. Each payload carries the row's new state, so the
 * instances apply them in commit order without reading the table back.
 */
export class RevocationNotifications1795291300000 implements MigrationInterface {
  name = 'RevocationNotifications1795291300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_notify_session"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        row sessions;
      BEGIN
        IF TG_OP = 'DELETE' THEN row := OLD; ELSE row := NEW; END IF;
        PERFORM pg_notify('auth_state', json_build_object(
          'kind', 'session',
          'id', row.id,
          'userId', row.user_id,
          'expiresAt', floor(extract(epoch FROM row.expires_at) * 1000),
          'revokedAt', floor(extract(epoch FROM row.revoked_at) * 1000),
          'deleted', TG_OP = 'DELETE'
        )::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_notify_blocklist"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        row revoked_access_tokens;
      BEGIN
        IF TG_OP = 'DELETE' THEN row := OLD; ELSE row := NEW; END IF;
        PERFORM pg_notify('auth_state', json_build_object(
          'kind', 'blocked',
          'jti', row.jti,
          'expiresAt', floor(extract(epoch FROM row.expires_at) * 1000),
          'deleted', TG_OP = 'DELETE'
        )::text);
        RETURN NULL;
      END $$`);
    // The row without its password hash: a notification is readable by any listener.
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_notify_user"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('auth_state', json_build_object(
            'kind', 'user', 'id', OLD.id, 'deleted', true)::text);
        ELSE
          PERFORM pg_notify('auth_state', json_build_object(
            'kind', 'user', 'id', NEW.id, 'deleted', false,
            'row', to_jsonb(NEW) - 'password_hash')::text);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION "auth_state_notify_reset"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('auth_state', json_build_object('kind', 'reset')::text);
        RETURN NULL;
      END $$`);
    // Sessions change on every refresh; only these columns matter to the bearer check.
    await queryRunner.query(`
      CREATE TRIGGER "sessions_auth_state" AFTER INSERT OR DELETE OR UPDATE OF
        "revoked_at", "expires_at", "user_id" ON "sessions"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_notify_session"()`);
    await queryRunner.query(`
      CREATE TRIGGER "revoked_access_tokens_auth_state" AFTER INSERT OR DELETE OR UPDATE
      ON "revoked_access_tokens"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_notify_blocklist"()`);
    await queryRunner.query(`
      CREATE TRIGGER "users_auth_state" AFTER INSERT OR DELETE OR UPDATE ON "users"
      FOR EACH ROW EXECUTE FUNCTION "auth_state_notify_user"()`);
    // TRUNCATE fires no row trigger: the instances reload everything instead.
    for (const table of ['sessions', 'revoked_access_tokens', 'users']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_auth_state_reset" AFTER TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "auth_state_notify_reset"()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'revoked_access_tokens', 'users']) {
      await queryRunner.query(`DROP TRIGGER "${table}_auth_state_reset" ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER "${table}_auth_state" ON "${table}"`);
    }
    for (const fn of ['session', 'blocklist', 'user', 'reset']) {
      await queryRunner.query(`DROP FUNCTION "auth_state_notify_${fn}"()`);
    }
  }
}

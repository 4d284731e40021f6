import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A login's pending second step remembers which password it proved (a SHA-256 of the stored
 * hash): a reset or change of the password voids it. Challenges issued before this column
 * have none and are refused; they live five minutes.
 */
export class MfaChallengePassword1795292200000 implements MigrationInterface {
  name = 'MfaChallengePassword1795292200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "mfa_challenges" ADD COLUMN "password_fingerprint" char(64)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mfa_challenges" DROP COLUMN "password_fingerprint"`);
  }
}

import { NestFactory } from '@nestjs/core';
import { AppException } from '../common/errors/app.exception.js';
import { NO_CLIENT } from '../common/principal/client-info.js';
import { withDevelopmentSecret } from '../config/development-secret.js';
import { environmentVariables } from '../config/environment-variables.js';
import { startDatabase } from '../database/start-database.js';
import type { SigningKeyDto } from '../signing-keys/dto/signing-key.dto.js';
import { SigningKeysService } from '../signing-keys/signing-keys.service.js';
import { cliEnvironment } from './cli-environment.js';
import { CliError } from './cli-error.js';
import { CliModule } from './cli.module.js';

export const KEYS_USAGE = `Usage: npm run cli -- keys <list | rotate | revoke <kid>>

  keys list          the signing keys: kid, algorithm, status, created, activates, retires
  keys rotate        publish a new key now; it signs JWT_KEY_PUBLISH_AHEAD seconds later, and
                     the key it replaces verifies until the tokens it signed have expired
  keys revoke <kid>  refuse every token the key signed, on every instance within a second, and
                     erase its private part; if it was signing, another key signs at once

Needs the app's JWT_KEY_ENCRYPTION_KEY and database (DATABASE_URL, or the embedded one in
DATA_DIR/postgres with the app stopped). Rotations and revocations are recorded as security
events, with no actor.
`;

const OPERATOR = { actorId: null, client: NO_CLIENT };

/** `keys ...`: returns the exit code; throws for what it cannot do. */
export async function keys(args: string[]): Promise<number> {
  const [action, kid, ...rest] = args;
  const valid =
    ((action === 'list' || action === 'rotate') && kid === undefined) ||
    (action === 'revoke' && kid !== undefined && rest.length === 0);
  if (!valid) throw new CliError(KEYS_USAGE, 2);
  const database = await startDatabase(cliEnvironment(environmentVariables()), { quiet: true });
  try {
    const context = await NestFactory.createApplicationContext(
      CliModule.forRoot({
        ...withDevelopmentSecret(database.env),
        DATABASE_URL: database.env.DATABASE_URL,
      }),
      { logger: false, abortOnError: false },
    );
    try {
      const service = context.get(SigningKeysService);
      switch (action) {
        case 'list':
          process.stdout.write(table(await service.list()));
          return 0;
        case 'rotate': {
          const key = await service.rotate(OPERATOR);
          process.stdout.write(
            `Published ${key.kid} (${key.alg}); it signs from ${key.activatesAt}.\n`,
          );
          return 0;
        }
        default:
          await service.revoke(kid, OPERATOR).catch((error: unknown) => {
            if (error instanceof AppException) throw new CliError(`No signing key ${kid}.`);
            throw error;
          });
          process.stdout.write(`Revoked ${kid}: its tokens are refused from now on.\n`);
          return 0;
      }
    } finally {
      await context.close();
    }
  } finally {
    await database.stop();
  }
}

function table(rows: SigningKeyDto[]): string {
  const header = ['KID', 'ALG', 'STATUS', 'CREATED', 'ACTIVATES', 'RETIRES'];
  const lines = rows.map((key) => [
    key.kid,
    key.alg,
    key.status,
    key.createdAt,
    key.activatesAt,
    key.retiresAt ?? '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  return [header, ...lines]
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

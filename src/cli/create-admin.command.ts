import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppException } from '../common/errors/app.exception.js';
import type { FieldError } from '../common/errors/problem.js';
import { environmentVariables } from '../config/environment-variables.js';
import { startDatabase } from '../database/start-database.js';
import { checkAdminAccount } from '../users/admin-account.js';
import { Role } from '../common/principal/principal.js';
import { UsersService } from '../users/users.service.js';
import { cliEnvironment } from './cli-environment.js';
import { CliError } from './cli-error.js';
import { CliModule } from './cli.module.js';
import { readPassword } from './password-input.js';

export const CREATE_ADMIN_USAGE = `Usage: npm run cli -- create-admin --email <email> --username <username>

Creates an admin account. The password comes from the ADMIN_PASSWORD variable, or else is
asked for twice without echo (or read from standard input when that is not a terminal);
never from the command line. A user who already has the email or username is left unchanged.

The database is DATABASE_URL, or without it the app's embedded PostgreSQL in DATA_DIR/postgres
(stop the app first, or point DATABASE_URL at the database it uses).
`;

const SOURCE_OF_FIELD: Record<string, string> = {
  email: '--email',
  username: '--username',
  password: 'password',
};

/** `create-admin`: returns the exit code; throws for what it cannot do. */
export async function createAdmin(args: string[]): Promise<number> {
  const { email, username } = parseFlags(args);
  const password = process.env.ADMIN_PASSWORD || (await readPassword());
  if (!password) {
    throw new CliError('No password given: set ADMIN_PASSWORD or type it at the prompt.');
  }
  // Checked before the database starts: a bad account costs nothing.
  const checked = await checkAdminAccount({ email, username, password });
  if (!checked.valid) explainInvalidAccount(checked.errors);
  const database = await startDatabase(cliEnvironment(environmentVariables()), { quiet: true });
  try {
    const context = await NestFactory.createApplicationContext(CliModule.forRoot(database.env), {
      logger: false,
      abortOnError: false,
    });
    try {
      const { user, created } = await context
        .get(UsersService)
        .createAdmin(checked.account)
        .catch((error: unknown) => {
          if (error instanceof AppException && error.options.errors) {
            explainInvalidAccount(error.options.errors);
          }
          throw error;
        });
      if (created) {
        process.stdout.write(`Created the admin ${user.username} <${user.email}> (${user.id}).\n`);
        return 0;
      }
      process.stdout.write(
        `A user with that email or username already exists: ${user.username} <${user.email}>, ` +
          `role ${user.role}. Nothing was changed.\n`,
      );
      return user.role === Role.Admin ? 0 : 1;
    } finally {
      await context.close();
    }
  } finally {
    await database.stop();
  }
}

function parseFlags(args: string[]): { email: string; username: string } {
  if (args.some((arg) => /^--?password(=|$)/i.test(arg))) {
    throw new CliError(
      'The password is never taken from the command line (it would show in the process list ' +
        'and the shell history). Set ADMIN_PASSWORD or type it at the prompt.',
      2,
    );
  }
  let values: { email?: string; username?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { email: { type: 'string' }, username: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${CREATE_ADMIN_USAGE}`, 2);
  }
  if (!values.email || !values.username) {
    throw new CliError(`--email and --username are required.\n\n${CREATE_ADMIN_USAGE}`, 2);
  }
  return { email: values.email, username: values.username };
}

function explainInvalidAccount(errors: FieldError[]): never {
  const lines = errors.map(
    ({ field, message }) => `  ${SOURCE_OF_FIELD[field] ?? field}: ${message}`,
  );
  throw new CliError(`The admin account is not valid; nothing was created:\n${lines.join('\n')}`);
}

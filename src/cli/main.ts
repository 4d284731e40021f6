import 'reflect-metadata';
import { EnvironmentError } from '../config/environment.js';
import { isDatabaseUnavailable } from '../common/database/database-errors.js';
import { DataDirInUseError, EMBEDDED_DATABASE } from '../database/embedded-postgres.js';
import { CliError } from './cli-error.js';
import { createAdmin, CREATE_ADMIN_USAGE } from './create-admin.command.js';
import { keys, KEYS_USAGE } from './keys.command.js';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  create-admin   create an admin account
  keys           list, rotate or revoke the keys that sign access tokens

${CREATE_ADMIN_USAGE}
${KEYS_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'create-admin':
      return createAdmin(args);
    case 'keys':
      return keys(args);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      throw new CliError(USAGE, 2);
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
  }
}

/** One readable sentence for each way a command can fail; never a stack trace. */
function explain(error: unknown): string {
  if (error instanceof CliError || error instanceof EnvironmentError) return error.message;
  if (error instanceof DataDirInUseError) {
    const url = error.urlFor(EMBEDDED_DATABASE);
    return (
      `${error.message}\nThe app is probably running on it. Stop the app and run the ` +
      'command again, or let the command use the running database' +
      (url ? `:\n  DATABASE_URL=${url} npm run cli -- ...` : ' by setting DATABASE_URL.')
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isDatabaseUnavailable(error)) {
    return `The database cannot be reached (${message}). Check DATABASE_URL.`;
  }
  return `The command failed: ${message}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${explain(error)}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  },
);

import { Environment, validateEnvironment } from '../config/environment.js';

const STARTUP_ADMIN_VARIABLES = ['ADMIN_EMAIL', 'ADMIN_USERNAME', 'ADMIN_PASSWORD'];

/**
 * The app's environment rules, without the start-up admin variables: a command takes its
 * admin from its flags, and ADMIN_PASSWORD alone (the password source) is not an error here.
 */
export function cliEnvironment(raw: Record<string, unknown>): Environment {
  const rest = Object.fromEntries(
    Object.entries(raw).filter(([name]) => !STARTUP_ADMIN_VARIABLES.includes(name)),
  );
  return validateEnvironment(rest);
}

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The process's variables over those of a `.env` file in the working directory (a variable set
 * in the process wins). Only read: nothing is written back into `process.env`.
 */
export function environmentVariables(
  processEnv: NodeJS.ProcessEnv = process.env,
  file = resolve('.env'),
): Record<string, string | undefined> {
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...processEnv };
}

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Compiles dist/ when it is missing or older than the sources, as `npm start` does. */
export function buildOnce(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { cwd: ROOT, stdio: 'pipe' });
}

export interface Server {
  url: string;
  stop(): Promise<void>;
  /** What the process wrote so far (its JSON log lines on stdout, then stderr). */
  output(): string;
}

/**
 * Runs the compiled service in its own process (`npm run start:prod`), with the test's
 * environment plus `env`, and waits until it answers its health check.
 */
export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  // Generous: two instances migrating a fresh database on a loaded 2-core machine take a while.
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
    const healthy = await fetch(`${url}/api/v1/health`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become healthy: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    output: () => stdout + stderr,
  };
}

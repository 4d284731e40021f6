import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordPool, PasswordPoolBusyError } from './password.pool.js';

// Stand-in workers, to make a thread slow or die on demand; the real one is password.worker.mjs.
const WORKERS = {
  slow: `export default (task) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    return task.op === 'hash' ? 'hashed slowly' : true;
  };`,
  dying: `export default (task) => {
    if (task.password === 'exit') process.exit(1);
    return task.op === 'hash' ? 'hashed' : true;
  };`,
};

describe(PasswordPool.name, () => {
  let folder: string;
  let sut: PasswordPool | undefined;
  const workerFile = (name: keyof typeof WORKERS) => join(folder, `${name}.worker.mjs`);

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'password-pool-'));
    for (const [name, source] of Object.entries(WORKERS)) {
      writeFileSync(join(folder, `${name}.worker.mjs`), source);
    }
  });
  afterEach(async () => {
    await sut?.destroy();
    sut = undefined;
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('hashes with bcrypt at the given cost and compares, on its threads', async () => {
    sut = new PasswordPool({ threads: 2, maxQueue: 8 });
    const hash = await sut.hash('correct horse battery', 4);
    expect(bcrypt.getRounds(hash)).toBe(4);
    expect(bcrypt.compareSync('correct horse battery', hash)).toBe(true);
    await expect(sut.compare('correct horse battery', hash)).resolves.toBe(true);
    await expect(sut.compare('wrong horse battery', hash)).resolves.toBe(false);
    expect(sut.stats()).toEqual(
      expect.objectContaining({ threads: 2, queued: 0, running: 0, maxQueue: 8, completed: 3 }),
    );
  });

  it("rejects with the worker's error when a task fails, and keeps working", async () => {
    sut = new PasswordPool({ threads: 1, maxQueue: 8 });
    // A stored hash damaged beyond bcrypt's reading.
    const corrupt = `$3a$04$${'a'.repeat(53)}`;
    await expect(sut.compare('any password', corrupt)).rejects.toThrow(/salt version/);
    const hash = await sut.hash('still working', 4);
    await expect(sut.compare('still working', hash)).resolves.toBe(true);
  });

  it('rejects the task of a thread that dies, and replaces the thread', async () => {
    sut = new PasswordPool({ threads: 1, maxQueue: 8, filename: workerFile('dying') });
    await expect(sut.hash('exit', 4)).rejects.toThrow();
    await expect(sut.hash('fine', 4)).resolves.toBe('hashed');
  });

  it('refuses a task at once when the queue is full, with a time to come back', async () => {
    sut = new PasswordPool({ threads: 1, maxQueue: 2, filename: workerFile('slow') });
    const accepted = [sut.hash('a', 4), sut.hash('b', 4), sut.hash('c', 4)];
    expect(sut.stats()).toEqual(expect.objectContaining({ queued: 2, running: 1 }));

    const refused = sut.compare('d', 'hash');
    await expect(refused).rejects.toBeInstanceOf(PasswordPoolBusyError);
    const error = (await refused.catch((e: unknown) => e)) as PasswordPoolBusyError;
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    await expect(Promise.all(accepted)).resolves.toEqual(Array(3).fill('hashed slowly'));
    expect(sut.stats()).toEqual(expect.objectContaining({ queued: 0, running: 0 }));
    await expect(sut.compare('e', 'hash')).resolves.toBe(true);
  });

  it('finishes the tasks it has on shutdown, and tells a task arriving after to come back', async () => {
    sut = new PasswordPool({ threads: 1, maxQueue: 8, filename: workerFile('slow') });
    const running = sut.hash('a', 4);
    const closed = sut.onApplicationShutdown();
    await expect(sut.hash('late', 4)).rejects.toBeInstanceOf(PasswordPoolBusyError);
    await expect(running).resolves.toBe('hashed slowly');
    await closed;
    // afterEach still destroys it: close() leaves its threads to exit on their own time.
  });
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every `every` ms until it holds; fails with `message` once `ms` have passed.
 * Returns how long it took.
 */
export async function within(
  ms: number,
  check: () => Promise<boolean>,
  { every = 50, message = `not within ${ms} ms` }: { every?: number; message?: string } = {},
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(message);
    await sleep(every);
  }
  return Date.now() - started;
}

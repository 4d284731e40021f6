import { jest } from '@jest/globals';

/**
 * A stand-in for a class whose every method throws until a test says what it returns, so that
 * a call the test did not expect fails loudly instead of quietly returning undefined.
 */
export function automock<T extends object>(
  type: abstract new (...args: never[]) => T,
): jest.Mocked<T> {
  const mock: Record<string, jest.Mock> = {};
  for (const name of Object.getOwnPropertyNames(type.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(type.prototype, name);
    if (name === 'constructor' || typeof descriptor?.value !== 'function') continue;
    mock[name] = jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${type.name}.${name}(${JSON.stringify(args)})`);
    });
  }
  return mock as unknown as jest.Mocked<T>;
}

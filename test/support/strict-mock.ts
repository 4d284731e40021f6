import { jest } from '@jest/globals';

export type StrictMock<T extends object> = jest.Mocked<T>;

/**
 * The one kind of mock in the unit specs: a stand-in whose every method fails the test when called without being set up first
 * (`mockResolvedValueOnce`, `mockImplementation`, ...). Plain values can be assigned to it.
 */
export function strictMock<T extends object>(name: string): StrictMock<T> {
  const methods = new Map<PropertyKey, jest.Mock>();
  return new Proxy({} as StrictMock<T>, {
    get(target, property) {
      if (property in target) return target[property as keyof T];
      // Not a thenable, and no surprises for inspection by Jest or Node.
      if (property === 'then' || typeof property === 'symbol') return undefined;
      let method = methods.get(property);
      if (!method) {
        method = jest.fn((...args: unknown[]) => {
          throw new Error(`Unexpected call: ${name}.${property}(${printArgs(args)})`);
        });
        methods.set(property, method);
      }
      return method;
    },
  });
}

/**
 * `strictMock` named after a class (such as one of our repositories): every method fails the
 * test until the test says what it returns.
 */
export function automock<T extends object>(
  type: abstract new (...args: never[]) => T,
): StrictMock<T> {
  return strictMock<T>(type.name);
}

function printArgs(args: unknown[]): string {
  return args
    .map((arg) => {
      try {
        return JSON.stringify(arg) ?? String(arg);
      } catch {
        return String(arg);
      }
    })
    .join(', ');
}

import type { ExecutionContext, Type } from '@nestjs/common';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Handler = Function;

/**
 * A route's metadata read once per handler and controller. The global guards ask on every
 * request, and reflect-metadata walks the prototype chain for every key a route does not set,
 * twice for `getAllAndOverride`; route metadata never changes once the app is built.
 */
export class RouteMetadata<T> {
  private readonly cache = new WeakMap<Handler, WeakMap<Type<unknown>, { value: T }>>();

  constructor(private readonly read: (handler: Handler, controller: Type<unknown>) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.cache.get(handler);
    if (!byController) this.cache.set(handler, (byController = new WeakMap()));
    let entry = byController.get(controller);
    if (!entry) byController.set(controller, (entry = { value: this.read(handler, controller) }));
    return entry.value;
  }
}

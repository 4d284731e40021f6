import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';

/** A request or response hook: the two have this shape. */
export type RouteHook = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void;

/**
 * Gives every route a `name` hook of its own, made by `hookFor(template)` when the route is
 * registered and put `first` or `last` among the route's own hooks of that name: it holds what
 * it needs for its route, chosen once, where one global hook would look up the request's route
 * on every request (Fastify builds `request.routeOptions` anew on every read). The not-found
 * handler is no route: one global hook gives its answers `hookFor(undefined)` and passes over
 * the rest. Call it before any route is registered.
 */
export function hookEveryRoute(
  fastify: FastifyInstance,
  name: 'onRequest' | 'onResponse',
  position: 'first' | 'last',
  hookFor: (route: string | undefined) => RouteHook,
): void {
  fastify.addHook('onRoute', (route) => {
    const own = route[name] ?? [];
    const hooks = (Array.isArray(own) ? own : [own]) as RouteHook[];
    const hook = hookFor(route.url);
    route[name] = position === 'first' ? [hook, ...hooks] : [...hooks, hook];
  });
  const unmatched = hookFor(undefined);
  const hook: RouteHook = function (request, reply, done) {
    if (request.is404) unmatched.call(this, request, reply, done);
    else done();
  };
  // addHook's overloads take one hook name at a time; both names take a hook of this shape.
  fastify.addHook(name as 'onRequest', hook as onRequestHookHandler);
}

import type { FastifyInstance } from 'fastify';

/**
 * Answer bodies that never change, each serialized at its first answer and then sent as that
 * text: null until then. Weakly held, so a body goes when nothing else holds it.
 */
const serializedOnce = new WeakMap<object, string | null>();

/**
 * A frozen copy of `body`, marked as sent many times (the shared view of a user memory holds,
 * `GET /users/me`): its JSON is worked out once, not on every answer. Only for a body whose
 * values are strings, numbers, booleans and nulls (freezing is shallow; the spec checks the
 * views this is used for). The copy is pure data, with no prototype: Nest asks of every
 * answer whether it is a plain object that may wrap a stream (`isPlainObject`), and for an
 * `Object` that compares the source text of its constructor, about 0.4 µs each time; for no
 * prototype it answers at once.
 */
export function serializeOnce<T extends object>(body: T): Readonly<T> {
  const shared = Object.freeze(Object.assign(Object.create(null) as T, body));
  serializedOnce.set(shared, null);
  return shared;
}

/** JSON of an answer's body, from memory for a body marked with `serializeOnce`. */
export function serializeAnswer(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return JSON.stringify(payload);
  const known = serializedOnce.get(payload);
  if (known) return known;
  const text = JSON.stringify(payload);
  if (known === null) serializedOnce.set(payload, text);
  return text;
}

/**
 * Every route's JSON answers (the routes have no response schema) go through
 * `serializeAnswer`. Call it before any route is registered: Fastify gives each route the
 * serializer in place when it is registered.
 */
export function serializeAnswers(fastify: FastifyInstance): void {
  fastify.setReplySerializer(serializeAnswer);
}

import type { FieldError } from '../errors/problem.js';

/**
 * How deep a request's JSON may nest. Our bodies are flat; the bound only has to sit well below
 * what class-transformer and class-validator can recurse through without overflowing the stack.
 */
export const MAX_JSON_DEPTH = 32;

/** Keys that reach Object internals when copied onto an instance, whatever the DTO says. */
const INTERNAL_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const UNPAIRED_SURROGATE = /\p{Cs}/u;

const fieldName = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Checks a parsed body or query before any transformation, without recursion: depth, keys that
 * name Object internals, and text with unpaired surrogates (which some validators throw on and
 * which have no UTF-8 form). Returns the first fault of each field, or nothing.
 */
export function inspectJson(root: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const faulty = new Set<string>();
  const report = (field: string, message: string) => {
    const top = field.split('.')[0];
    if (faulty.has(top)) return;
    faulty.add(top);
    errors.push({ field, message });
  };
  const stack: { value: unknown; path: string; top: string; depth: number }[] = [
    { value: root, path: '', top: '', depth: 0 },
  ];
  while (stack.length) {
    const { value, path, top, depth } = stack.pop()!;
    if (top && faulty.has(top)) continue;
    if (typeof value === 'string') {
      if (UNPAIRED_SURROGATE.test(value)) {
        report(path || 'body', `${path || 'body'} must not contain unpaired surrogates`);
      }
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      report(top || 'body', `${top || 'body'} is nested more than ${MAX_JSON_DEPTH} levels deep`);
      continue;
    }
    for (const key of Object.keys(value)) {
      const field = Array.isArray(value) ? `${path}[${key}]` : fieldName(path, key);
      if (!Array.isArray(value)) {
        if (INTERNAL_KEYS.has(key)) {
          report(field, `property ${field} should not exist`);
          continue;
        }
        if (UNPAIRED_SURROGATE.test(key)) {
          report(field, 'property names must not contain unpaired surrogates');
          continue;
        }
      }
      stack.push({
        value: (value as Record<string, unknown>)[key],
        path: field,
        top: top || field,
        depth: depth + 1,
      });
    }
  }
  return errors;
}

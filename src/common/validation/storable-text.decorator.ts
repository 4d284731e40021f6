import { ValidationOptions } from 'class-validator';
import { stringRule } from './string-rule.js';

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Text PostgreSQL can store as given: its text types cannot hold NUL (the insert would fail
 * with a 500), and an unpaired surrogate has no UTF-8 form, so the driver would silently
 * store U+FFFD in its place.
 */
export function StorableText(options?: ValidationOptions) {
  return stringRule(
    'storableText',
    '$property must not contain NUL characters or unpaired surrogates',
    (value) => !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value),
    options,
  );
}

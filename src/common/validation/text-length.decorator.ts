import { ValidationOptions } from 'class-validator';
import { stringRule } from './string-rule.js';

/**
 * Length as JavaScript counts it (UTF-16 code units), which is how the API guide counts text.
 * class-validator's `Length` counts a surrogate pair as one character, so it would let a
 * string of emoji run to twice the limit.
 */
export function TextLength(min: number, max: number, options?: ValidationOptions) {
  return stringRule(
    'textLength',
    min > 0
      ? `$property must be ${min} to ${max} characters long`
      : `$property must be at most ${max} characters long`,
    (value) => value.length >= min && value.length <= max,
    options,
  );
}

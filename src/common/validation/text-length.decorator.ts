import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Length as JavaScript counts it (UTF-16 code units), which is how the contract counts text.
 * class-validator's `Length` counts a surrogate pair as one character, so it would let a
 * string of emoji run to twice the limit.
 */
export function TextLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'textLength',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          min > 0
            ? `$property must be ${min} to ${max} characters long`
            : `$property must be at most ${max} characters long`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length >= min && value.length <= max,
      },
    });
}

import { registerDecorator, ValidationOptions } from 'class-validator';

/** A class-validator rule for a string property: anything but a string fails it. */
export function stringRule(
  name: string,
  message: string,
  test: (value: string) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && test(value) },
    });
}

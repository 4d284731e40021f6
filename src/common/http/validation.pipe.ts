import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import { FieldError, Problem } from '../errors/problem.js';

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: FieldError[]): AppException {
  const detail = errors.length === 1 ? errors[0].message : `${errors.length} fields are invalid.`;
  return new AppException(Problem.ValidationFailed, detail, { errors });
}

/**
 * The global validation rules: whitelist and forbid unknown fields (no mass assignment),
 * transform to DTO classes, and answer with field errors. A JSON body that is not an object
 * (an array, a string, a number) is refused before class-validator sees it.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (
      metadata.type === 'body' &&
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    ) {
      throw validationFailed([{ field: 'body', message: 'The body must be a JSON object.' }]);
    }
    return super.transform(value, metadata);
  }
}

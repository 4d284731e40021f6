import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import { FieldError, Problem } from '../errors/problem.js';
import { inspectJson } from './json-shape.js';

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

const exceptionFactory = (errors: ValidationError[]) =>
  validationFailed(flattenValidationErrors(errors));

/**
 * The global validation rules: transform to DTO classes and answer with field errors.
 * Bodies refuse unknown fields (no mass assignment); unknown query parameters are dropped,
 * as documented. A JSON body that is not an object is refused outright, and so is input that
 * would trip class-transformer or a validator before the rules are read (see `inspectJson`).
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  private readonly queryPipe = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: false,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory,
  });

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      exceptionFactory,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query' && metadata.type !== 'body') {
      return super.transform(value, metadata);
    }
    if (
      metadata.type === 'body' &&
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    ) {
      throw validationFailed([{ field: 'body', message: 'The body must be a JSON object.' }]);
    }
    const faults = inspectJson(value);
    if (faults.length) throw validationFailed(faults);
    if (metadata.type === 'query') return this.queryPipe.transform(value, metadata);
    return super.transform(value, metadata);
  }
}

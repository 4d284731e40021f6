import { FieldError, Problem } from './problem.js';

export interface AppExceptionOptions {
  errors?: FieldError[];
  /** Extra members of the problem document, such as `info` on the health check. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A domain error. Services throw these with a problem code and never think about HTTP;
 * the problem-details filter turns the code into a status and a document.
 */
export class AppException extends Error {
  constructor(
    readonly problem: Problem,
    readonly detail: string,
    readonly options: AppExceptionOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppException';
  }

  static validation(field: string, message: string): AppException {
    return new AppException(Problem.ValidationFailed, message, {
      errors: [{ field, message }],
    });
  }

  static notFound(what: string): AppException {
    return new AppException(Problem.NotFound, `${what} not found`);
  }

  static conflict(field: string, message: string): AppException {
    return new AppException(Problem.Conflict, message, { errors: [{ field, message }] });
  }
}

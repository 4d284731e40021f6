import { ParseUUIDPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

/** `ParseUUIDPipe` that answers a malformed path id with a field error, never a 500. */
export function uuidParam(field = 'id'): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => AppException.validation(field, `${field} must be a UUID`),
  });
}

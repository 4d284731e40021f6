import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { recordAnsweredProblem } from './answered-problem.js';
import { AppException } from './app.exception.js';
import {
  INVALID_TOKEN_PROBLEMS,
  Problem,
  ProblemDocument,
  PROBLEMS,
  problemTypeUri,
} from './problem.js';

const PROBLEM_BY_STATUS: Record<number, Problem> = {
  400: Problem.ValidationFailed,
  401: Problem.TokenMissing,
  403: Problem.Forbidden,
  404: Problem.NotFound,
  405: Problem.NotFound,
  409: Problem.Conflict,
  412: Problem.PreconditionFailed,
  413: Problem.PayloadTooLarge,
  415: Problem.UnsupportedMediaType,
  429: Problem.TooManyRequests,
  503: Problem.ServiceUnavailable,
};

const MALFORMED_BODY_CODES = new Set([
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
]);

interface Resolved {
  problem: Problem;
  status: number;
  detail: string;
  exception?: AppException;
}

/**
 * Turns every error (domain, Nest, Fastify, database, or a bug) into an RFC 9457 problem
 * document. Nothing from an unexpected error reaches the client but a generic sentence.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const resolved = this.resolve(error);

    if (resolved.status >= 500) {
      this.logger.error(
        { err: error, requestId: request.id },
        resolved.problem === Problem.ServiceUnavailable
          ? 'database unavailable'
          : 'unhandled error',
      );
    }

    const document: ProblemDocument = {
      type: problemTypeUri(resolved.problem),
      title: PROBLEMS[resolved.problem].title,
      status: resolved.status,
      detail: resolved.detail,
      instance: (request.url ?? '/').split('?')[0],
      requestId: String(request.id),
      ...resolved.exception?.options.extensions,
    };
    const errors = resolved.exception?.options.errors;
    if (errors?.length) document.errors = errors;

    reply.header('x-request-id', String(request.id));
    // A refusal is about this request only: never kept, not even on a route whose answers are.
    reply.header('cache-control', 'no-store');
    for (const [name, value] of Object.entries(resolved.exception?.options.headers ?? {})) {
      reply.header(name, value);
    }
    if (resolved.status === 401) {
      reply.header(
        'www-authenticate',
        INVALID_TOKEN_PROBLEMS.has(resolved.problem)
          ? `Bearer error="invalid_token", error_description="${resolved.detail}"`
          : 'Bearer',
      );
    }
    recordAnsweredProblem(request, resolved.problem);
    reply.status(resolved.status).type('application/problem+json').send(document);
  }

  private resolve(error: unknown): Resolved {
    if (error instanceof AppException) {
      const { status } = PROBLEMS[error.problem];
      return { problem: error.problem, status, detail: error.detail, exception: error };
    }
    if (error instanceof HttpException) {
      return this.resolveHttp(error.getStatus(), error.message, error.cause);
    }
    const statusCode = (error as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return this.resolveHttp(statusCode, String((error as Error).message), error);
    }
    if (isDatabaseUnavailable(error)) {
      return {
        problem: Problem.ServiceUnavailable,
        status: 503,
        detail: 'The database cannot be reached. Try again shortly.',
      };
    }
    return {
      problem: Problem.InternalError,
      status: 500,
      detail: 'An unexpected error occurred.',
    };
  }

  private resolveHttp(status: number, message: string, cause: unknown): Resolved {
    if (status >= 500 && status !== 503) {
      return {
        problem: Problem.InternalError,
        status: 500,
        detail: 'An unexpected error occurred.',
      };
    }
    // Fastify's JSON parser reports every unreadable body (bad syntax, empty)
    // with one of these codes.
    const code = (cause as { code?: unknown })?.code;
    const malformed = status === 400 && typeof code === 'string' && MALFORMED_BODY_CODES.has(code);
    const problem = malformed
      ? Problem.MalformedRequest
      : (PROBLEM_BY_STATUS[status] ?? Problem.MalformedRequest);
    return { problem, status, detail: this.publicDetail(problem, message) };
  }

  private publicDetail(problem: Problem, message: string): string {
    switch (problem) {
      case Problem.MalformedRequest:
        return 'The request body is not valid JSON.';
      case Problem.NotFound:
        return 'No such resource.';
      case Problem.PayloadTooLarge:
        return 'The request body is larger than the limit.';
      case Problem.UnsupportedMediaType:
        return 'Request bodies must be application/json.';
      case Problem.TooManyRequests:
        return 'Too many requests. Try again later.';
      default:
        return message;
    }
  }
}

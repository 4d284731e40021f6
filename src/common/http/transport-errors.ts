import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  FieldError,
  Problem,
  ProblemDocument,
  PROBLEMS,
  problemTypeUri,
} from '../errors/problem.js';

/** Longest `instance` echoed back: a refused URL may be long, or made to be reflected. */
const MAX_INSTANCE_LENGTH = 256;

function problemDocument(
  problem: Problem,
  detail: string,
  instance: string,
  requestId: string,
  errors?: FieldError[],
): ProblemDocument {
  const { status, title } = PROBLEMS[problem];
  return {
    type: problemTypeUri(problem),
    title,
    status,
    detail,
    instance: instance.split('?')[0].slice(0, MAX_INSTANCE_LENGTH),
    requestId,
    ...(errors && { errors }),
  };
}

/**
 * Fastify's router refuses some URLs before any hook or Nest filter runs (bad percent-encoding,
 * an over-long path parameter). Answer those as problem documents too, without echoing the URL.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const document =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problemDocument(
          Problem.UriTooLong,
          'A path parameter is longer than the limit.',
          request.url,
          request.id,
        )
      : error.code === 'FST_ERR_BAD_URL'
        ? problemDocument(
            Problem.ValidationFailed,
            'The URL is not valid percent-encoded UTF-8.',
            request.url,
            request.id,
            [{ field: 'path', message: 'path must be valid percent-encoded UTF-8' }],
          )
        : problemDocument(
            Problem.InternalError,
            'An unexpected error occurred.',
            request.url,
            request.id,
          );
  void reply
    .header('x-request-id', request.id)
    .status(document.status)
    .type('application/problem+json')
    .send(document);
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers over the limit,
 * a request that is not HTTP, one too slow to arrive). Writes the refusal as a problem
 * document on the socket, then closes it, as Node would.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const document =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problemDocument(
          Problem.RequestTimeout,
          'The request took too long to arrive.',
          '/',
          requestId,
        )
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? problemDocument(
            Problem.HeadersTooLarge,
            'The request headers are larger than the limit.',
            '/',
            requestId,
          )
        : problemDocument(
            Problem.MalformedRequest,
            'The request is not valid HTTP.',
            '/',
            requestId,
          );
  if (socket.writable) {
    const body = JSON.stringify(document);
    socket.write(
      `HTTP/1.1 ${document.status} ${STATUS_CODES[document.status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}

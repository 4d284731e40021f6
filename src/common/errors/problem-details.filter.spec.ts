import { describe, expect, it, jest } from '@jest/globals';
import { ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { Problem } from './problem.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';

function run(error: unknown) {
  const headers: Record<string, string> = {};
  const reply = {
    statusCode: 0,
    body: undefined as unknown,
    header: jest.fn((name: string, value: string) => {
      headers[name] = value;
      return reply;
    }),
    status: jest.fn((code: number) => {
      reply.statusCode = code;
      return reply;
    }),
    type: jest.fn((type: string) => {
      headers['content-type'] = type;
      return reply;
    }),
    send: jest.fn((body: unknown) => {
      reply.body = body;
      return reply;
    }),
  };
  const request = { id: 'req-1', url: '/api/v1/thing?x=1' };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(error, host);
  return { status: reply.statusCode, body: reply.body as Record<string, unknown>, headers };
}

describe(ProblemDetailsFilter.name, () => {
  it('writes a domain error as a problem document with every member', () => {
    const { status, body, headers } = run(AppException.conflict('email', 'email is taken'));
    expect(status).toBe(409);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(body).toEqual({
      type: '/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'email is taken',
      instance: '/api/v1/thing',
      requestId: 'req-1',
      errors: [{ field: 'email', message: 'email is taken' }],
    });
  });

  it('adds WWW-Authenticate, with invalid_token only when a token was sent', () => {
    expect(run(new AppException(Problem.TokenMissing, 'no')).headers['www-authenticate']).toBe(
      'Bearer',
    );
    expect(run(new AppException(Problem.TokenRevoked, 'gone')).headers['www-authenticate']).toMatch(
      /^Bearer error="invalid_token"/,
    );
  });

  it('maps Nest and Fastify HTTP errors by status', () => {
    expect(run(new NotFoundException()).body.type).toBe('/problems/not-found');
    const malformed = new BadRequestException('bad', {
      cause: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }),
    });
    expect(run(malformed).body.type).toBe('/problems/malformed-request');
  });

  it('hides unexpected errors behind a generic 500', () => {
    const { status, body } = run(new Error('SELECT secret FROM somewhere failed'));
    expect(status).toBe(500);
    expect(body.type).toBe('/problems/internal-error');
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('answers 503 when the database cannot be reached', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const { status, body } = run(error);
    expect(status).toBe(503);
    expect(body.type).toBe('/problems/service-unavailable');
  });

  it.each(['Connection terminated', 'Client was closed and is not queryable'])(
    'answers 503 when a query fails because its connection went away during shutdown (%s)',
    (message) => {
      // As TypeORM wraps the driver's error.
      const error = Object.assign(new Error(message), { driverError: new Error(message) });
      const { status, body } = run(error);
      expect(status).toBe(503);
      expect(body.type).toBe('/problems/service-unavailable');
    },
  );
});

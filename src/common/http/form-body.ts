import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiConsumes } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { Problem } from '../errors/problem.js';

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by @AcceptsFormBody(). */
    acceptsFormBody?: boolean;
  }
}

/**
 * Lets one route take `application/x-www-form-urlencoded` bodies besides JSON, as OAuth client
 * libraries send them (RFC 7009, RFC 7662); the parser refuses them on every other route. The
 * fields reach the route's DTO as strings, through the same validation as a JSON body.
 */
export const AcceptsFormBody = () =>
  applyDecorators(
    RouteConfig({ acceptsFormBody: true }),
    ApiConsumes('application/json', FORM_MEDIA_TYPE),
  );

/**
 * The fields of a form body. A field given twice becomes an array, which no DTO takes as a
 * string: RFC 6749 (3.2) forbids repeating a parameter, so that is a 400, not a silent pick.
 */
export function parseFormBody(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = Object.hasOwn(fields, name) ? fields[name] : undefined;
    // defineProperty: a field named __proto__ is data like any other, never a prototype.
    Object.defineProperty(fields, name, {
      value: seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return fields;
}

const unsupported = () =>
  new AppException(Problem.UnsupportedMediaType, 'Request bodies must be application/json.');

/** Registers the form parser (any `charset` parameter; the body is percent-encoded anyway). */
export function registerFormBodyParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    FORM_MEDIA_TYPE,
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      if (request.routeOptions.config?.acceptsFormBody !== true) {
        return done(unsupported(), undefined);
      }
      done(null, parseFormBody(String(body)));
    },
  );
}

import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JsonWebTokenError, TokenExpiredError } from '@nestjs/jwt';
import { automock } from '../../test/support/strict-mock.js';
import { Public } from '../common/decorators/public.decorator.js';
import { AppException } from '../common/errors/app.exception.js';
import { Problem } from '../common/errors/problem.js';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

class Routes {
  @Public()
  open() {}

  guarded() {}
}

function contextFor(handler: keyof Routes): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
  } as unknown as ExecutionContext;
}

const caller = { user: { id: 'u1' }, token: { sid: 's1' } } as unknown as AuthenticatedUser;

describe(JwtAuthGuard.name, () => {
  let sut: JwtAuthGuard;
  let metrics: jest.Mocked<MetricsService>;

  beforeEach(() => {
    metrics = automock(MetricsService);
    metrics.countBearerCheck.mockReturnValue(undefined);
    sut = new JwtAuthGuard(new Reflector(), metrics);
  });

  it('lets a @Public() route through without looking for a token', () => {
    expect(sut.canActivate(contextFor('open'))).toBe(true);
  });

  describe('handleRequest', () => {
    it('hands on the authenticated caller and counts an ok check', () => {
      expect(sut.handleRequest(null, caller)).toBe(caller);
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('ok');
    });

    it.each([
      ['no info at all', undefined],
      ["passport-jwt's own word", new Error('No auth token')],
    ])('answers token-missing when the request has no token (%s)', (_, info) => {
      expect(() => sut.handleRequest(null, false, info)).toThrow(
        expect.objectContaining({ problem: Problem.TokenMissing }),
      );
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('missing');
    });

    it('answers token-expired for an expired token', () => {
      const info = new TokenExpiredError('jwt expired', new Date());
      expect(() => sut.handleRequest(null, false, info)).toThrow(
        expect.objectContaining({ problem: Problem.TokenExpired }),
      );
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('expired');
    });

    it('answers token-invalid for any other verification failure', () => {
      const info = new JsonWebTokenError('invalid signature');
      expect(() => sut.handleRequest(null, false, info)).toThrow(
        expect.objectContaining({ problem: Problem.TokenInvalid }),
      );
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('invalid');
    });

    it("passes the strategy's own refusal on as it is (a revoked token)", () => {
      const revoked = new AppException(Problem.TokenRevoked, 'The access token has been revoked.');
      expect(() => sut.handleRequest(revoked, false)).toThrow(revoked);
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('revoked');
    });

    it('passes an outage on untouched, counted as an error', () => {
      const outage = new Error('Connection terminated');
      expect(() => sut.handleRequest(outage, false)).toThrow(outage);
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('error');
    });
  });
});

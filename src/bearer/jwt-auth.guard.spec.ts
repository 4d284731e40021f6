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
import { BearerCheckService } from './bearer-check.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { VerifiedTokens } from './verified-tokens.js';

class Routes {
  @Public()
  open() {}

  guarded() {}
}

type Request = { headers: Record<string, string>; user?: AuthenticatedUser };

function contextFor(handler: keyof Routes, request: Request = { headers: {} }): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const claims = {
  sid: 's1',
  exp: Math.floor(Date.now() / 1000) + 900,
} as AuthenticatedUser['token'];
const caller = { user: { id: 'u1' }, token: claims } as unknown as AuthenticatedUser;
const bearer = (token: string): Request => ({ headers: { authorization: `Bearer ${token}` } });
/** What `super.canActivate` is: @nestjs/passport's AuthGuard, running passport-jwt. */
const passportGuard = Object.getPrototypeOf(JwtAuthGuard.prototype) as {
  canActivate(context: ExecutionContext): Promise<boolean>;
};

describe(JwtAuthGuard.name, () => {
  let sut: JwtAuthGuard;
  let metrics: jest.Mocked<MetricsService>;
  let bearerCheck: jest.Mocked<BearerCheckService>;
  let verified: VerifiedTokens;

  beforeEach(() => {
    jest.restoreAllMocks();
    metrics = automock(MetricsService);
    metrics.countBearerCheck.mockReturnValue(undefined);
    bearerCheck = automock(BearerCheckService);
    verified = new VerifiedTokens(10);
    sut = new JwtAuthGuard(new Reflector(), metrics, bearerCheck, verified);
  });

  it('lets a @Public() route through without looking for a token', () => {
    expect(sut.canActivate(contextFor('open'))).toBe(true);
  });

  describe('a token seen for the first time', () => {
    it('goes through passport-jwt, and what it verified is remembered', async () => {
      const request = bearer('first.token.here');
      const passport = jest.spyOn(passportGuard, 'canActivate').mockImplementation(() => {
        request.user = caller;
        return Promise.resolve(true);
      });

      await expect(sut.canActivate(contextFor('guarded', request))).resolves.toBe(true);

      expect(passport).toHaveBeenCalledTimes(1);
      expect(verified.claimsOf('first.token.here')).toBe(claims);
    });

    it('is remembered as passport-jwt read it, never under a look-up candidate', async () => {
      // A Bearer header holding whitespace is no token; passport-jwt reads x-access-token.
      const request: Request = {
        headers: { authorization: 'Bearer not a.token', 'x-access-token': 'legacy.token.here' },
      };
      jest.spyOn(passportGuard, 'canActivate').mockImplementation(() => {
        request.user = caller;
        return Promise.resolve(true);
      });

      await expect(sut.canActivate(contextFor('guarded', request))).resolves.toBe(true);

      expect(verified.claimsOf('legacy.token.here')).toBe(claims);
      expect(verified.claimsOf('not a.token')).toBeUndefined();
      expect(verified.size).toBe(1);
    });

    it('is not remembered when passport-jwt refuses it', async () => {
      const refusal = new AppException(Problem.TokenInvalid, 'The access token is invalid.');
      jest.spyOn(passportGuard, 'canActivate').mockRejectedValue(refusal);

      await expect(sut.canActivate(contextFor('guarded', bearer('bad.token.here')))).rejects.toBe(
        refusal,
      );
      expect(verified.size).toBe(0);
    });
  });

  describe('a token verified before', () => {
    beforeEach(() => {
      verified.remember('known.token.here', claims);
      // Memory cannot answer at once unless a test says so.
      bearerCheck.fromMemoryNow.mockReturnValue(undefined);
    });

    it('is let through synchronously (a boolean, nothing to await) when memory answers at once', () => {
      const request = bearer('known.token.here');
      bearerCheck.fromMemoryNow.mockReturnValueOnce(caller);

      expect(sut.canActivate(contextFor('guarded', request))).toBe(true);

      expect(bearerCheck.fromMemoryNow).toHaveBeenCalledWith(claims);
      expect(request.user).toBe(caller);
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('ok');
    });

    it('is refused synchronously, and counted, when memory holds a revocation', () => {
      const revoked = new AppException(Problem.TokenRevoked, 'The access token has been revoked.');
      bearerCheck.fromMemoryNow.mockImplementationOnce(() => {
        throw revoked;
      });
      const request = bearer('known.token.here');

      expect(() => sut.canActivate(contextFor('guarded', request))).toThrow(revoked);

      expect(request.user).toBeUndefined();
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('revoked');
    });

    it('skips passport-jwt but is still put to the bearer check', async () => {
      const passport = jest.spyOn(passportGuard, 'canActivate');
      const request = bearer('known.token.here');
      bearerCheck.afterRoundTrip.mockResolvedValueOnce(caller);

      await expect(sut.canActivate(contextFor('guarded', request))).resolves.toBe(true);

      expect(passport).not.toHaveBeenCalled();
      expect(bearerCheck.afterRoundTrip).toHaveBeenCalledWith(claims);
      expect(request.user).toBe(caller);
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('ok');
    });

    it('is refused as the bearer check says (revoked since), and counted', async () => {
      const revoked = new AppException(Problem.TokenRevoked, 'The access token has been revoked.');
      bearerCheck.afterRoundTrip.mockRejectedValueOnce(revoked);
      const request = bearer('known.token.here');

      await expect(sut.canActivate(contextFor('guarded', request))).rejects.toBe(revoked);

      expect(request.user).toBeUndefined();
      expect(metrics.countBearerCheck).toHaveBeenCalledWith('revoked');
    });

    it('is verified again when a single byte differs', async () => {
      const passport = jest
        .spyOn(passportGuard, 'canActivate')
        .mockRejectedValue(new AppException(Problem.TokenInvalid, 'The access token is invalid.'));

      await expect(
        sut.canActivate(contextFor('guarded', bearer('known.token.herf'))),
      ).rejects.toBeInstanceOf(AppException);
      expect(passport).toHaveBeenCalledTimes(1);
    });
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

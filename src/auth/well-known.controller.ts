import { Controller, Get, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { Environment } from '../config/environment.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { AccessTokenService } from './access-token.service.js';

@ApiTags('auth')
@Controller('.well-known')
export class WellKnownController {
  private readonly cacheControl: string;

  constructor(
    private readonly accessTokens: AccessTokenService,
    config: ConfigService<Environment, true>,
  ) {
    this.cacheControl = `public, max-age=${config.get('JWKS_MAX_AGE', { infer: true })}`;
  }

  @Public()
  @Get('jwks.json')
  @ApiOperation({
    summary: 'Public keys that verify access tokens (empty with HS256)',
    description:
      'The next key (published JWT_KEY_PUBLISH_AHEAD seconds before it signs) and every key a ' +
      'live token may carry. Cache it for its max-age; refetch on an unknown kid.',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { keys: { type: 'array', items: { type: 'object' } } },
      example: {
        keys: [
          { kty: 'EC', crv: 'P-256', x: '...', y: '...', kid: '...', alg: 'ES256', use: 'sig' },
        ],
      },
    },
  })
  jwks(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('cache-control', this.cacheControl);
    return this.accessTokens.jwks();
  }
}

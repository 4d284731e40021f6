import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { AccessTokenService } from './access-token.service.js';

@ApiTags('auth')
@Controller('.well-known')
export class WellKnownController {
  constructor(private readonly accessTokens: AccessTokenService) {}

  @Public()
  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys that verify access tokens (empty with HS256)' })
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
  jwks() {
    return this.accessTokens.jwks();
  }
}

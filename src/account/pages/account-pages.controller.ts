import { Controller, Get, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/decorators/public.decorator.js';
import { API_PREFIX } from '../../common/http/api-prefix.js';
import {
  HTML_CONTENT_TYPE,
  pageToken,
  RESET_PASSWORD_PAGE,
  resetPasswordPage,
  VERIFY_EMAIL_PAGE,
  verifyEmailPage,
} from './account-pages.js';

const TOKEN_QUERY = {
  name: 'token',
  type: String,
  required: true,
  description: "The mailed link's one-use token (base64url)",
  example: 'q0Zr3l0QpN4c8mW5xY2bV7tK1sJ9hF6dG3aE0uI8oPw',
};
const HTML = { schema: { type: 'string', example: '<!doctype html>…' } };

/**
 * The pages of the default RESET_PASSWORD_URL and VERIFY_EMAIL_URL, at the root of the service
 * (outside the API prefix), so that a mailed link works with no front end of one's own. They
 * post to the API routes next to them, by paths relative to the page.
 */
@ApiTags('pages')
@Controller()
export class AccountPagesController {
  @Public()
  @Get(RESET_PASSWORD_PAGE)
  @ApiOperation({
    summary: 'The page of a password-reset link: a form that sets the new password',
    description:
      'HTML for a browser: posts the token and the new password to `POST /api/v1/auth/password/reset` and shows the outcome. Strict CSP (its own hashed script and style only), `Cache-Control: no-store`, no referrer. 400 (an HTML page saying so) when the link has no usable token.',
  })
  @ApiProduces('text/html')
  @ApiQuery(TOKEN_QUERY)
  @ApiOkResponse({ description: 'The form', content: { 'text/html': HTML } })
  @ApiBadRequestResponse({
    description: 'The link has no usable token: a page saying so',
    content: { 'text/html': HTML },
  })
  resetPassword(@Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    const token = pageToken(request.query);
    return reply
      .status(token ? 200 : 400)
      .type(HTML_CONTENT_TYPE)
      .send(resetPasswordPage(token, `${API_PREFIX}/auth/password/reset`));
  }

  @Public()
  @Get(VERIFY_EMAIL_PAGE)
  @ApiOperation({
    summary: 'The page of a verification link: confirms the address as it loads',
    description:
      'HTML for a browser: as it loads, posts the token to `POST /api/v1/auth/email/verify` and shows the outcome (a GET alone changes nothing, so a mail scanner that fetches the link does not spend it). Strict CSP, `Cache-Control: no-store`, no referrer. 400 (an HTML page saying so) when the link has no usable token.',
  })
  @ApiProduces('text/html')
  @ApiQuery(TOKEN_QUERY)
  @ApiOkResponse({ description: 'The page', content: { 'text/html': HTML } })
  @ApiBadRequestResponse({
    description: 'The link has no usable token: a page saying so',
    content: { 'text/html': HTML },
  })
  verifyEmail(@Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    const token = pageToken(request.query);
    return reply
      .status(token ? 200 : 400)
      .type(HTML_CONTENT_TYPE)
      .send(verifyEmailPage(token, `${API_PREFIX}/auth/email/verify`));
  }
}

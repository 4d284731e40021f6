import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { Client } from '../common/decorators/client-info.decorator.js';
import type { ClientInfo } from '../common/principal/client-info.js';
import { Problem } from '../common/errors/problem.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { AccountService } from './account.service.js';
import { ForgotPasswordDto } from './dto/forgot-password.dto.js';
import { ResetPasswordDto } from './dto/reset-password.dto.js';
import { VerifyEmailDto } from './dto/verify-email.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Public()
  @Post('password/forgot')
  @RateLimit('auth')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a password-reset link to this address, if an active account has it',
    description:
      'Always 202, in about the same time, whether or not the account exists (or 503 with Retry-After while MAIL_QUEUE_LIMIT mails wait to go out). The link carries a one-use token that lives RESET_TOKEN_TTL seconds (30 minutes by default); only the newest link works: a newer request, a reset or a password change voids the others.',
  })
  @ApiAcceptedResponse({ description: 'Accepted; a mail goes out if an active account has it' })
  @ApiProblems(...BODY_PROBLEMS, Problem.TooManyRequests, Problem.ServiceUnavailable)
  forgotPassword(@Body() dto: ForgotPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.account.requestPasswordReset(dto.email, client);
  }

  @Public()
  @Post('password/reset')
  @RateLimit('auth')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the token from a reset mail; every session ends',
  })
  @ApiNoContentResponse({ description: 'Password changed; every session of the user revoked' })
  @ApiProblems(...BODY_PROBLEMS, Problem.ActionTokenInvalid, Problem.TooManyRequests)
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.account.resetPassword(dto.token, dto.newPassword, client);
  }

  @Public()
  @Post('email/verify')
  @RateLimit('auth')
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm the email address with the token from a verification mail' })
  @ApiNoContentResponse({ description: 'The address is verified (emailVerified: true)' })
  @ApiProblems(...BODY_PROBLEMS, Problem.ActionTokenInvalid, Problem.TooManyRequests)
  verifyEmail(@Body() dto: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    return this.account.verifyEmail(dto.token, client);
  }

  @Post('email/verify/resend')
  @RateLimit('auth')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Mail another verification link to the caller's address (none if already verified)",
  })
  @ApiAcceptedResponse({ description: 'Accepted; a mail goes out unless already verified' })
  @ApiProblems(...AUTH_PROBLEMS, Problem.TooManyRequests, Problem.ServiceUnavailable)
  resendVerification(
    @CurrentUser() caller: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.account.resendVerification(caller.user, client);
  }
}

import { ActionTokenField } from './action-token.decorator.js';

export class VerifyEmailDto {
  @ActionTokenField()
  token: string;
}

import { NewPassword } from '../../common/validation/password.decorator.js';
import { ActionTokenField } from './action-token.decorator.js';

export class ResetPasswordDto {
  @ActionTokenField()
  token: string;

  @NewPassword('a new and longer passphrase')
  newPassword: string;
}

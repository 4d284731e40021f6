import { ExistingPassword } from '../../common/validation/password.decorator.js';

export class DeleteAccountDto {
  /** Asked again so that a stolen access token alone cannot delete the account. */
  @ExistingPassword()
  password: string;
}

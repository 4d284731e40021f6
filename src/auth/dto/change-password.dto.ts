import { ExistingPassword, NewPassword } from '../../common/validation/password.decorator.js';

export class ChangePasswordDto {
  @ExistingPassword()
  currentPassword: string;

  @NewPassword('a new and longer passphrase')
  newPassword: string;
}

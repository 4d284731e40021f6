import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FieldError } from '../common/errors/problem.js';
import { flattenValidationErrors } from '../common/http/validation.pipe.js';
import { NewAccountDto } from './dto/new-account.dto.js';

/** The first admin, as the CLI or the ADMIN_* variables give it. */
export interface AdminAccount {
  email: string;
  username: string;
  password: string;
}

export type AdminAccountCheck =
  { valid: true; account: AdminAccount } | { valid: false; errors: FieldError[] };

/**
 * An admin account that does not come through HTTP (the CLI, ADMIN_* at start-up) meets the
 * rules of registration too, which HTTP bodies get from the validation pipe. The callers check
 * it before they call `UsersService.createAdmin`; the account comes back normalised.
 */
export async function checkAdminAccount(account: AdminAccount): Promise<AdminAccountCheck> {
  const dto = plainToInstance(NewAccountDto, { ...account });
  const errors = await validate(dto, { stopAtFirstError: true });
  if (errors.length) return { valid: false, errors: flattenValidationErrors(errors) };
  return {
    valid: true,
    account: { email: dto.email, username: dto.username, password: dto.password },
  };
}

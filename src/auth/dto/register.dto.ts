import { NewAccountDto } from '../../users/dto/new-account.dto.js';

export class RegisterDto extends NewAccountDto {}

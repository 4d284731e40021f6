import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { checkAdminAccount } from './admin-account.js';
import { UsersService } from './users.service.js';

/**
 * Creates the first admin from ADMIN_EMAIL, ADMIN_USERNAME and ADMIN_PASSWORD when the app
 * starts (the environment validation has already checked them). Only once: when a user with
 * that email or username exists, it is left as it is, so a restart never resets a changed
 * password nor undoes a demotion.
 */
@Injectable()
export class StartupAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupAdminService.name);

  constructor(
    private readonly users: UsersService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.get('ADMIN_EMAIL', { infer: true });
    const username = this.config.get('ADMIN_USERNAME', { infer: true });
    const password = this.config.get('ADMIN_PASSWORD', { infer: true });
    if (!email || !username || !password) return;

    const checked = await checkAdminAccount({ email, username, password });
    if (!checked.valid) {
      const problems = checked.errors.map(
        ({ field, message }) => `ADMIN_${field.toUpperCase()}: ${message}`,
      );
      throw new Error(`The start-up admin is not valid: ${problems.join('; ')}`);
    }
    const { user, created } = await this.users.createAdmin(checked.account);
    this.logger.log(
      created
        ? `Created the admin ${user.username} from ADMIN_EMAIL and ADMIN_USERNAME`
        : `ADMIN_EMAIL/ADMIN_USERNAME: ${user.username} already exists; left unchanged`,
    );
  }
}

import { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { Environment } from './environment.js';

/**
 * Nest's ConfigModule over the environment validated at boot, so `ConfigService<Environment,
 * true>` answers from that object alone: no `.env` read, no `process.env` lookup, nothing
 * validated (or written) a second time.
 */
export function configModuleFor(env: Environment): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validatePredefined: false,
    skipProcessEnv: true,
    load: [() => ({ ...env })],
  });
}

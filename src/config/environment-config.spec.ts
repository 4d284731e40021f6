import { afterEach, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configModuleFor } from './environment-config.js';
import { Environment, validateEnvironment } from './environment.js';

async function configServiceFor(env: Environment): Promise<ConfigService<Environment, true>> {
  @Module({ imports: [configModuleFor(env)] })
  class Root {}
  const context = await NestFactory.createApplicationContext(Root, { logger: false });
  contexts.push(context);
  return context.get(ConfigService);
}

const contexts: { close(): Promise<void> }[] = [];

describe(configModuleFor.name, () => {
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    delete process.env.PORT;
  });

  it('answers from the validated object, typed, whatever process.env says', async () => {
    process.env.PORT = '9999';
    const config = await configServiceFor(validateEnvironment({ PORT: '4000' }));
    expect(config.get('PORT', { infer: true })).toBe(4000);
    expect(config.get('RATE_LIMIT_ENABLED', { infer: true })).toBe(true);
    expect(config.get('JWT_SECRET', { infer: true })).toBeUndefined();
  });

  it('validates nothing again, writes no secret and leaves process.env alone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'config-'));
    try {
      const before = { ...process.env };
      const env = validateEnvironment({ DATA_DIR: dataDir });
      const config = await configServiceFor(env);
      expect(config.get('DATA_DIR', { infer: true })).toBe(dataDir);
      // HS256 without JWT_SECRET in development: only the boot's explicit step makes one.
      expect(config.get('JWT_SECRET', { infer: true })).toBeUndefined();
      expect(await readdir(dataDir)).toEqual([]);
      expect(process.env).toEqual(before);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

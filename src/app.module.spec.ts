import { describe, expect, it } from '@jest/globals';
import { DynamicModule, Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { JwtAuthGuard } from './bearer/jwt-auth.guard.js';
import { RolesGuard } from './auth/roles.guard.js';
import { validateEnvironment } from './config/environment.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';

type ModuleLike = Type | DynamicModule | Promise<DynamicModule>;

/** The APP_GUARD providers a module declares itself, in order. */
function globalGuards(providers: Provider[] = []) {
  return providers
    .filter((provider) => typeof provider === 'object' && provider.provide === APP_GUARD)
    .map((provider) => {
      const { useClass, useExisting } = provider as { useClass?: Type; useExisting?: Type };
      return useClass ?? useExisting;
    });
}

/** Every module below `root`, static metadata and dynamic parts together. */
function modulesBelow(root: DynamicModule): { name: string; providers: Provider[] }[] {
  const seen = new Set<unknown>();
  const found: { name: string; providers: Provider[] }[] = [];
  const visit = (entry: ModuleLike | undefined) => {
    if (!entry || entry instanceof Promise || seen.has(entry)) return;
    seen.add(entry);
    const type = 'module' in entry ? entry.module : entry;
    const dynamic = 'module' in entry ? entry : undefined;
    const providers = [
      ...((Reflect.getMetadata('providers', type) as Provider[] | undefined) ?? []),
      ...(dynamic?.providers ?? []),
    ];
    found.push({ name: type.name, providers });
    const imports = [
      ...((Reflect.getMetadata('imports', type) as ModuleLike[] | undefined) ?? []),
      ...((dynamic?.imports as ModuleLike[] | undefined) ?? []),
    ];
    imports.forEach(visit);
  };
  for (const entry of (root.imports ?? []) as ModuleLike[]) visit(entry);
  return found;
}

describe(AppModule.name, () => {
  const root = AppModule.forRoot(
    validateEnvironment({ DATABASE_URL: 'postgres://unused', JWT_SECRET: 'x'.repeat(32) }),
  );

  // Nest applies global guards in the order it registers them, which across modules follows
  // the order it happens to scan them in: registered in one place, the order is the code's.
  it('registers every global guard itself, in the order they must run', () => {
    expect(globalGuards(root.providers)).toEqual([JwtAuthGuard, RolesGuard, RateLimitGuard]);
    const elsewhere = modulesBelow(root).filter(({ providers }) => globalGuards(providers).length);
    expect(elsewhere.map(({ name }) => name)).toEqual([]);
  });
});

import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Environment } from '../config/environment.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { User } from '../users/user.entity.js';
import { BearerCheckService } from './bearer-check.service.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import { JWT_KEYS, type JwtKeys, jwtKeys } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RevocationFeed } from './revocation-feed.service.js';
import { VerifiedTokens } from './verified-tokens.js';

/** The keys, parsed once from the validated environment, for JwtModule and the strategy. */
const keysProvider = {
  provide: JWT_KEYS,
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>): JwtKeys =>
    jwtKeys({
      JWT_ALGORITHM: config.get('JWT_ALGORITHM', { infer: true }),
      JWT_SECRET: config.get('JWT_SECRET', { infer: true }),
      JWT_PRIVATE_KEY: config.get('JWT_PRIVATE_KEY', { infer: true }),
      JWT_PUBLIC_KEY: config.get('JWT_PUBLIC_KEY', { infer: true }),
    }),
};

/**
 * The bearer check: what makes an access token valid (keys and rules), passport-jwt's strategy,
 * and whether a verified token is still live (BearerCheckService, answered from the revocation
 * feed's memory or the database). JwtAuthGuard, the global guard AppModule provides, is built
 * from what this module exports.
 */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([User]), RevocationModule],
  providers: [
    keysProvider,
    JwtStrategy,
    RevocationFeed,
    BearerCheckService,
    BearerLookup,
    {
      provide: VerifiedTokens,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        new VerifiedTokens(config.get('JWT_VERIFIED_CACHE_SIZE', { infer: true })),
    },
  ],
  exports: [JWT_KEYS, BearerCheckService, VerifiedTokens],
})
export class BearerModule {}

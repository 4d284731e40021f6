import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Environment } from '../config/environment.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { User } from '../users/user.entity.js';
import { BearerCheckService } from './bearer-check.service.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import { SigningKeysModule } from '../signing-keys/signing-keys.module.js';
import { KeyRingFollower } from './key-ring-follower.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RevocationFeed } from './revocation-feed.service.js';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * The bearer check: what makes an access token valid (the KeyRing's keys and the rules), passport-jwt's strategy,
 * and whether a verified token is still live (BearerCheckService, answered from the revocation
 * feed's memory or the database). JwtAuthGuard, the global guard AppModule provides, is built
 * from what this module exports.
 */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([User]), RevocationModule, SigningKeysModule],
  providers: [
    JwtStrategy,
    KeyRingFollower,
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
  exports: [BearerCheckService, VerifiedTokens],
})
export class BearerModule {}

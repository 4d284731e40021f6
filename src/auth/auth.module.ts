import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountModule } from '../account/account.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import type { Environment } from '../config/environment.js';
import { User } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { Transactions } from '../common/database/transactions.js';
import { AccessTokenService, JWT_KEYS } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { BearerCheckService } from './bearer-check.service.js';
import { BearerLookup } from './bearer-lookup.repository.js';
import { JwtKeys, jwtKeys, jwtModuleOptions } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RevocationFeed } from './revocation-feed.service.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SessionsService } from './sessions.service.js';
import { VerifiedTokens } from './verified-tokens.js';
import { WellKnownController } from './well-known.controller.js';

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

@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [ConfigService, JWT_KEYS],
      extraProviders: [keysProvider],
      useFactory: (config: ConfigService<Environment, true>, keys: JwtKeys) =>
        jwtModuleOptions(keys, {
          JWT_ISSUER: config.get('JWT_ISSUER', { infer: true }),
          JWT_AUDIENCE: config.get('JWT_AUDIENCE', { infer: true }),
          JWT_ACCESS_TTL: config.get('JWT_ACCESS_TTL', { infer: true }),
        }),
    }),
    // The bearer check's own read of users (see BearerLookup).
    TypeOrmModule.forFeature([User]),
    RevocationModule,
    UsersModule,
    AccountModule,
    SecurityEventsModule,
  ],
  controllers: [AuthController, WellKnownController],
  providers: [
    keysProvider,
    AuthService,
    AccessTokenService,
    SessionsService,
    JwtStrategy,
    RevocationFeed,
    BearerCheckService,
    BearerLookup,
    Transactions,
    {
      provide: VerifiedTokens,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        new VerifiedTokens(config.get('JWT_VERIFIED_CACHE_SIZE', { infer: true })),
    },
  ],
  // For JwtAuthGuard, a global guard provided by AppModule.
  exports: [BearerCheckService, VerifiedTokens],
})
export class AuthModule {}

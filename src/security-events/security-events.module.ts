import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventsController, MySecurityEventsController } from './security-events.controller.js';
import { SecurityEvent } from './security-event.entity.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { SecurityEventsService } from './security-events.service.js';
import { DetachedEvents } from './detached-events.js';

/** Without controllers, for the CLI: its changes are recorded too. */
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEvent])],
  providers: [SecurityEventsService, SecurityEventsRepository, DetachedEvents],
  exports: [SecurityEventsService],
})
export class SecurityEventsModule {}

/** The routes that read the trail, for the HTTP app. */
@Module({
  imports: [SecurityEventsModule],
  controllers: [MySecurityEventsController, AuditEventsController],
})
export class SecurityEventsApiModule {}

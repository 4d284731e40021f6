import { Module } from '@nestjs/common';
import { MailOutbox } from './mail-outbox.service.js';
import { MailService } from './mail.service.js';

@Module({
  providers: [MailService, MailOutbox],
  exports: [MailOutbox],
})
export class MailModule {}

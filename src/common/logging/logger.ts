import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

/** Paths that must never reach a log line, whatever a log call passes in. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-access-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-access-token"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'auth-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  });
}

/** Lets Nest's own `Logger` write through the same structured JSON logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
  ) {
    // Nest passes the context name last.
    const context = typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.logger[level](
        { context, ...message },
        ...(params.filter((p) => typeof p === 'string') as []),
      );
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}

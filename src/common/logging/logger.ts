import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import { type Bindings, type ChildLoggerOptions, pino, type Logger } from 'pino';

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

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's logger of one request, whose pino child is made when a line is first written.
 * Fastify makes a child for every request; with the redaction paths above pino runs every
 * binding through the redaction, a few per cent of a request's CPU, though below `info`
 * (the access log's level) most requests write nothing.
 */
class RequestLogger {
  private made?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly own: Bindings,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }
  bindings(): Bindings {
    return this.logger().bindings();
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger().child(bindings, options);
  }
  fatal(...args: unknown[]) {
    this.write('fatal', args);
  }
  error(...args: unknown[]) {
    this.write('error', args);
  }
  warn(...args: unknown[]) {
    this.write('warn', args);
  }
  info(...args: unknown[]) {
    this.write('info', args);
  }
  debug(...args: unknown[]) {
    this.write('debug', args);
  }
  trace(...args: unknown[]) {
    this.write('trace', args);
  }
  silent() {}

  private write(level: Level, args: unknown[]) {
    if (!this.isLevelEnabled(level)) return;
    const logger = this.logger();
    Reflect.apply(logger[level], logger, args);
  }

  private logger(): Logger {
    return (this.made ??= this.parent.child(this.own));
  }
}

/**
 * Fastify's `childLoggerFactory`: the request's logger, made lazily (see RequestLogger). A
 * route with options of its own (a log level) gets pino's child at once.
 */
export function requestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: Parameters<FastifyBaseLogger['child']>[1] = {},
): FastifyBaseLogger {
  if (Object.keys(options).length) return logger.child(bindings, options);
  return new RequestLogger(logger as Logger, bindings);
}

import { describe, expect, it, jest } from '@jest/globals';
import { type Logger, pino } from 'pino';
import { Writable } from 'node:stream';
import { requestLogger } from './logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level, redact: { paths: ['*.token'], censor: '[redacted]' } }, stream);
  return { logger, lines };
}

describe(requestLogger.name, () => {
  it('makes no child while nothing is written at an enabled level', () => {
    const { logger, lines } = capture('warn');
    const child = jest.spyOn(logger, 'child');
    const log = requestLogger(logger, { reqId: 'req-1' });
    log.info({ req: {} }, 'incoming request');
    log.debug('nothing');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  it('writes with the bindings and the redaction of a pino child once a line is due', () => {
    const { logger, lines } = capture('info');
    const log = requestLogger(logger, { reqId: 'req-2' });
    log.info({ body: { token: 'secret' } }, 'request completed');
    log.warn('twice');
    expect(lines).toEqual([
      expect.objectContaining({
        reqId: 'req-2',
        msg: 'request completed',
        body: { token: '[redacted]' },
      }),
      expect.objectContaining({ reqId: 'req-2', msg: 'twice' }),
    ]);
    expect((log.child({ more: 1 }) as Logger).bindings()).toEqual({ reqId: 'req-2', more: 1 });
  });

  it("gives a route with options of its own pino's child at once", () => {
    const { logger } = capture('info');
    const log = requestLogger(logger, { reqId: 'req-3' }, { level: 'error' });
    expect(log.level).toBe('error');
    expect((log as Logger).isLevelEnabled('info')).toBe(false);
  });
});

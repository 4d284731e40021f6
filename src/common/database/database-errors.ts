const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, connection failures
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  // statement_timeout: the database is too slow or stuck on a lock; the request can be retried
  '57014',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not established',
  // pg's query_timeout: the server took the query and never answered
  'Query read timeout',
  'Connection terminated due to connection timeout',
  // a pooled client ended under a query: the app is shutting down, another instance can answer
  'Client was closed and is not queryable',
];

/** True when an error means the database cannot be reached, rather than a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, driverError, cause } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
      return true;
    }
    current = driverError ?? cause;
  }
  return false;
}

/** The name of the unique constraint a PostgreSQL unique violation broke, if it is one. */
export function uniqueViolation(error: unknown): string | undefined {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })
    ?.driverError;
  const candidate = driverError ?? (error as { code?: string; constraint?: string });
  return candidate?.code === '23505' ? (candidate.constraint ?? '') : undefined;
}

/** True when a PostgreSQL foreign key check failed: the row referred to is gone. */
export function foreignKeyViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } })?.driverError;
  return (driverError ?? (error as { code?: string }))?.code === '23503';
}

import pg from 'pg';

/** How long a cancelled query may take to end before its connection is given up. */
const CANCEL_GRACE_MS = 1000;
/**
 * How long the cancel request's own connection may stay open. The server closes it once it has
 * taken the request; closing it ourselves before then made PgBouncer 1.18 abort ("bad client
 * state") when the cancelled statement had already ended, so it is closed only if it hangs.
 */
const CANCELLER_LIFETIME_MS = 10_000;

type QueryFunction = (...args: unknown[]) => unknown;

/** What of pg's Client and Connection the cancel needs; @types/pg declares neither part. */
interface ClientInternals {
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
  _activeQuery: unknown;
  connection: { stream?: { destroy(): void } };
}
interface CancelConnection {
  on(event: 'connect' | 'error', listener: () => void): void;
  connect(portOrPath: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
  stream?: { destroy(): void; unref(): void; on(event: 'close', listener: () => void): void };
}
const { Connection } = pg as unknown as { Connection: new () => CancelConnection };

/**
 * The pool's client: a query that outlasts `query_timeout` is not only abandoned by the driver
 * (its promise rejects with "Query read timeout") but cancelled on the server, with the
 * protocol's own CancelRequest, which a transaction pooler forwards. So the statement stops
 * holding its locks and its server connection, and DATABASE_TIMEOUT keeps its meaning without a
 * `statement_timeout` startup parameter (which PgBouncer refuses).
 *
 * The timeout is reported only once the connection is clean again (the cancelled statement
 * ended) or gone (a server that does not take the cancel loses the connection after
 * CANCEL_GRACE_MS): reported earlier, the pool would lend the client to the next request while
 * the cancelled statement still occupies it, and that request would fail with it.
 */
export class CancellingClient extends pg.Client {
  constructor(settings: pg.ClientConfig) {
    super(settings);
    const query = (pg.Client.prototype.query as QueryFunction).bind(this);
    (this as unknown as { query: QueryFunction }).query = (...args) => {
      const result = query(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch(async (error: unknown) => {
        if ((error as Error)?.message === 'Query read timeout') await this.cancelActiveQuery();
        throw error;
      });
    };
  }

  private async cancelActiveQuery(): Promise<void> {
    const self = this as unknown as ClientInternals;
    const active = self._activeQuery;
    if (!active || self.processID === null || self.secretKey === null) return;
    const { processID, secretKey } = self;
    const settled = this.settled();
    // As pg's own (deprecated-API) cancel does: a new connection that sends only the request.
    const canceller = new Connection();
    canceller.on('error', () => undefined);
    canceller.on('connect', () => canceller.cancel(processID, secretKey));
    if (self.host?.startsWith('/')) canceller.connect(`${self.host}/.s.PGSQL.${self.port}`);
    else canceller.connect(self.port, self.host);
    const hung = setTimeout(() => canceller.stream?.destroy(), CANCELLER_LIFETIME_MS);
    hung.unref();
    canceller.stream?.on('close', () => clearTimeout(hung));
    // Nor does it hold a stopping process.
    canceller.stream?.unref();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CANCEL_GRACE_MS);
    });
    const outcome = await Promise.race([settled.done, grace]);
    clearTimeout(timer);
    if (outcome === 'late' && self._activeQuery === active) {
      self.connection.stream?.destroy();
      await settled.done;
    }
    settled.stop();
  }

  /** Resolves when the client has nothing in flight ('drain') or its connection ended. */
  private settled(): { done: Promise<void>; stop(): void } {
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const events = ['drain', 'end', 'error'] as const;
    for (const event of events) this.on(event, finish);
    return { done, stop: () => events.forEach((event) => this.off(event, finish)) };
  }
}

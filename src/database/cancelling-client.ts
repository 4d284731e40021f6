import pg from 'pg';

/** How long a cancelled query may take to end before its connection is given up. */
const CANCEL_GRACE_MS = 1000;

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
  stream?: { destroy(): void };
}
const { Connection } = pg as unknown as { Connection: new () => CancelConnection };

/**
 * The pool's client: a query that outlasts `query_timeout` is not only abandoned by the driver
 * (its promise rejects with "Query read timeout") but cancelled on the server, with the
 * protocol's own CancelRequest, which a transaction pooler forwards. So the statement stops
 * holding its locks and its server connection, and DATABASE_TIMEOUT keeps its meaning without a
 * `statement_timeout` startup parameter (which PgBouncer refuses). A server that does not even
 * take the cancel (hung) loses the connection after CANCEL_GRACE_MS.
 */
export class CancellingClient extends pg.Client {
  constructor(settings: pg.ClientConfig) {
    super(settings);
    const query = (pg.Client.prototype.query as QueryFunction).bind(this);
    (this as unknown as { query: QueryFunction }).query = (...args) => {
      const result = query(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        if ((error as Error)?.message === 'Query read timeout') this.cancelActiveQuery();
        throw error;
      });
    };
  }

  private cancelActiveQuery(): void {
    const self = this as unknown as ClientInternals;
    const active = self._activeQuery;
    if (!active || self.processID === null || self.secretKey === null) return;
    const { processID, secretKey } = self;
    // As pg's own (deprecated-API) cancel does: a new connection that sends only the request.
    const canceller = new Connection();
    canceller.on('error', () => undefined);
    canceller.on('connect', () => canceller.cancel(processID, secretKey));
    if (self.host?.startsWith('/')) canceller.connect(`${self.host}/.s.PGSQL.${self.port}`);
    else canceller.connect(self.port, self.host);
    const timer = setTimeout(() => {
      canceller.stream?.destroy();
      if (self._activeQuery === active) self.connection.stream?.destroy();
    }, CANCEL_GRACE_MS);
    timer.unref();
  }
}

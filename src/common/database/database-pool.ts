import { DynamicModule, Global, Module } from '@nestjs/common';
import pg from 'pg';

/**
 * The `pg` pool TypeORM's PostgreSQL driver queries through, for the few hot reads that skip
 * TypeORM's query runner (and for the pool gauges). It is caught as the driver creates it,
 * through TypeORM's public `driver` option (the `pg` module to use), rather than read from the
 * driver's untyped internals. One per application: each app's data source gets its own.
 */
export class DatabasePool {
  private current?: pg.Pool;

  /**
   * For TypeORM's `driver` option: the `pg` module, whose pools are recorded here (the last one
   * created is the data source's; a failed start makes a new one). No `native`: the pool runs
   * the pure-JavaScript client the options name (CancellingClient).
   */
  readonly driver: typeof pg;

  constructor() {
    const record = (pool: pg.Pool) => {
      this.current = pool;
    };
    class RecordedPool extends pg.Pool {
      constructor(config?: pg.PoolConfig) {
        super(config);
        record(this);
      }
    }
    this.driver = new Proxy(pg, {
      get(target, property, receiver) {
        if (property === 'Pool') return RecordedPool;
        if (property === 'native') return null;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  }

  /** The pool, once the data source is open; undefined before. */
  get opened(): pg.Pool | undefined {
    return this.current;
  }

  /** The pool of the open data source. */
  get pool(): pg.Pool {
    if (!this.current) throw new Error('The database pool is not open yet');
    return this.current;
  }
}

/** Makes one DatabasePool injectable everywhere; given to the data source's options as well. */
@Global()
@Module({})
export class DatabasePoolModule {
  static forRoot(pool: DatabasePool): DynamicModule {
    return {
      module: DatabasePoolModule,
      providers: [{ provide: DatabasePool, useValue: pool }],
      exports: [DatabasePool],
    };
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ObjectLiteral, Repository } from 'typeorm';

declare const unitOfWork: unique symbol;

/**
 * An open transaction, as services hold it: something to hand to repository methods, which
 * then run their queries inside it. Services never query through it themselves.
 */
export interface Transaction {
  readonly [unitOfWork]: true;
}

/** What each open transaction of `Transactions.run` does once it has committed. */
const commitHooks = new WeakMap<object, (() => void)[]>();

/** The one way to make writes agree: `run` commits them together or not at all. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const hooks: (() => void)[] = [];
    const result = await this.dataSource.transaction((manager) => {
      commitHooks.set(manager, hooks);
      return work(manager as unknown as Transaction);
    });
    for (const hook of hooks) hook();
    return result;
  }
}

/**
 * Runs `hook` once what was written in `tx` has committed: after `Transactions.run` ends, or at
 * once without a transaction (call it after the awaited statement, which committed on its own).
 * Nothing runs for a transaction that rolled back.
 */
export function afterCommit(tx: Transaction | undefined, hook: () => void): void {
  const hooks = tx && commitHooks.get(tx);
  if (hooks) hooks.push(hook);
  else hook();
}

/** For repositories: `repository` bound to `tx` when one is given, else as it is (the pool). */
export function within<T extends ObjectLiteral>(
  repository: Repository<T>,
  tx?: Transaction,
): Repository<T> {
  return tx ? (tx as unknown as EntityManager).getRepository(repository.target) : repository;
}

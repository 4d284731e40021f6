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

/** The one way to make writes agree: `run` commits them together or not at all. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(manager as unknown as Transaction));
  }
}

/** For repositories: `repository` bound to `tx` when one is given, else as it is (the pool). */
export function within<T extends ObjectLiteral>(
  repository: Repository<T>,
  tx?: Transaction,
): Repository<T> {
  return tx ? (tx as unknown as EntityManager).getRepository(repository.target) : repository;
}

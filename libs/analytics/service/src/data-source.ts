import * as pg from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { SqlExecutor } from '@crm/event-sourcing';
import { analyticsEntities } from './entities';

/**
 * A TypeORM DataSource over the process's own pg pool (one pool per process, whose lifetime the
 * runtime owns: TypeORM's `destroy` leaves it open).
 */
export const createAnalyticsDataSource = async (pool: pg.Pool, schema: string): Promise<DataSource> => {
  const shared = new Proxy(pool, {
    get: (target, property) => {
      if (property === 'end') return (callback?: (error?: Error) => void) => (callback ? callback() : Promise.resolve());
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const driver = { Pool: function SharedPool() { return shared; }, types: pg.types, defaults: pg.defaults };
  const dataSource = new DataSource({ type: 'postgres', driver, schema, entities: analyticsEntities, synchronize: false, logging: false });
  return dataSource.initialize();
};

/**
 * An EntityManager on a transaction someone else opened (a subscription's, whose checkpoint moves
 * in it): TypeORM's writes and the checkpoint commit or roll back together.
 */
export const managerOn = (dataSource: DataSource, tx: SqlExecutor): EntityManager => {
  const runner = dataSource.createQueryRunner() as PostgresQueryRunner;
  // PostgresQueryRunner.connect() hands out `databaseConnection` when one is set: every query of
  // this runner then runs on the caller's client, inside the caller's transaction.
  Object.assign(runner, { databaseConnection: tx, isTransactionActive: true });
  return runner.manager;
};

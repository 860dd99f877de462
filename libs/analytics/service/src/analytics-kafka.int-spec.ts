import { randomInt, randomUUID } from 'node:crypto';
import { categoryOf } from '@crm/contracts';
import { createKafka, createKafkaEventBus, KafkaEventBus, Relay, startRelay } from '@crm/kafka';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { createTestSchema, deleteTopicsWithPrefix, describeWithInfra, generateCrmHistoryArray, kafkaBrokers, uniqueName } from '@crm/testing';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { projectedTables } from './analytics.schema';
import { AnalyticsConsumers } from './analytics.consumers';
import { AnalyticsService, foreignCategories } from './analytics.service';

// Analytics scaled out: two instances in one consumer group share the partitions of the other
// contexts' topics; stopping one hands its partitions to the other, and nothing is lost or applied
// twice: the read models equal a rebuild from the event log.

const eventually = async (condition: () => Promise<boolean>, what: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describeWithInfra(['postgres', 'kafka'], 'two analytics instances in one Kafka consumer group', () => {
  let pool: Pool;
  let producerSchema: string;
  let schema: string;
  const drops: Array<() => Promise<void>> = [];
  let producerStore: PostgresEventStore;
  let ownStore: PostgresEventStore;
  let kafka: Kafka;
  let prefix: string;
  let relay: Relay | undefined;
  const buses: KafkaEventBus[] = [];
  const instances: AnalyticsService[] = [];
  const consumers: RunningConsumers[] = [];

  beforeAll(async () => {
    let drop: () => Promise<void>;
    ({ pool, schema: producerSchema, drop } = await createTestSchema('producer'));
    drops.push(drop);
    ({ schema, drop } = await createTestSchema('analytics_group'));
    drops.push(drop);
    producerStore = createPostgresEventStore({ pool, schema: producerSchema, idlePollMs: 20 });
    ownStore = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await producerStore.migrate();
    await ownStore.migrate();
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'analytics-group-test' });
    prefix = `${uniqueName('ag')}.`;
  });
  afterAll(async () => {
    for (const running of consumers) await running.close().catch(() => undefined);
    for (const instance of instances) await instance.onModuleDestroy().catch(() => undefined);
    for (const bus of buses) await bus.close().catch(() => undefined);
    await relay?.stop();
    await producerStore?.close();
    await ownStore?.close();
    await deleteTopicsWithPrefix(kafka, prefix);
    for (const drop of drops.reverse()) await drop();
  });

  it('shares the partitions, hands them over when one stops, and loses nothing', async () => {
    // Another run's ids must not look like redeliveries to the shared inbox: a fresh seed each run.
    const history = generateCrmHistoryArray({ seed: randomInt(1, 2 ** 30), tenantId: `tenant-${randomUUID()}`, events: 3_000 }).filter((entry) => categoryOf(entry.streamId) !== 'analytics');
    relay = await startRelay({ store: producerStore, kafka, service: 'producer', categories: [...foreignCategories] as never, partitions: 6, topicPrefix: prefix });
    for (let index = 0; index < 2; index++) {
      const bus = await createKafkaEventBus({ kafka, pool, partitions: 6, topicPrefix: prefix, log: () => undefined });
      buses.push(bus);
      const instance = new AnalyticsService(ownStore, pool, bus, { schema, clock: () => new Date() });
      await instance.onModuleInit();
      consumers.push(await startEventConsumers(bus, [AnalyticsConsumers], [{ provide: AnalyticsService, useValue: instance }]));
      instances.push(instance);
    }

    for (const entry of history) await producerStore.appendToStream(entry.streamId, [entry.event]);
    const logged = async () => (await pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM "${schema}".event_log`)).rows[0].count;
    // Both members got partitions and applied events before one of them leaves.
    await eventually(async () => buses.every((bus) => bus.counters.applied > 50), 'both instances to apply events', 120_000);
    const beforeStop = buses.map((bus) => bus.counters.applied);
    await consumers[0].close();
    await instances[0].onModuleDestroy();
    await buses[0].close();
    await eventually(async () => (await logged()) === history.length, 'every event in the log', 180_000);
    expect(beforeStop.every((count) => count > 0)).toBe(true);
    expect(buses[1].counters.applied).toBeGreaterThan(beforeStop[1]);

    // Exactly the events produced, each once; the read models equal a rebuild from the log.
    const ids = (await pool.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".event_log`)).rows.map((row) => row.event_id).sort();
    expect(ids).toEqual(history.map((entry) => entry.event.id).sort());
    const tables = async () => {
      const result: Record<string, unknown[]> = {};
      for (const table of projectedTables) result[table] = (await pool.query(`SELECT * FROM "${schema}".${table} t ORDER BY t::text`)).rows;
      return result;
    };
    const incremental = await tables();
    expect(incremental.deals.length).toBeGreaterThan(10);
    await instances[1].rebuild('event-log');
    expect(await tables()).toEqual(incremental);
  }, 420_000);
});

import { randomUUID } from 'node:crypto';
import { deadLetterTopic, eventHeaders, streamId, Topic } from '@crm/contracts';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { createTestSchema, deleteTopicsWithPrefix, describeWithInfra, kafkaBrokers, testEvent, uniqueName, waitUntil } from '@crm/testing';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from './kafka-client';
import { createKafkaEventBus, KafkaEventBus } from './kafka-event-bus';
import { Relay, startRelay } from './relay';

describeWithInfra(['postgres', 'kafka'], 'relay and Kafka event bus', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let prefix: string;
  let relay: Relay | undefined;
  let bus: KafkaEventBus | undefined;

  beforeEach(async () => {
    ({ pool, schema, drop } = await createTestSchema('bus'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 50 });
    await store.migrate();
    await pool.query(`CREATE TABLE "${schema}".applied (event_id uuid PRIMARY KEY, stream_id text NOT NULL, revision int NOT NULL, seq bigserial)`);
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'relay-test' });
    prefix = `${uniqueName('t')}.`;
  });
  afterEach(async () => {
    await relay?.stop();
    await bus?.close();
    await store.close();
    await pool.query('DELETE FROM event_bus.inbox WHERE consumer LIKE $1', [`${prefix}%`]).catch(() => undefined);
    await drop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  const applied = async () => (await pool.query<{ event_id: string; stream_id: string; revision: number }>(`SELECT event_id, stream_id, revision FROM "${schema}".applied ORDER BY seq`)).rows;

  it('relays every event keyed by stream and applies each exactly once, per-stream in order, even when the relay republishes', async () => {
    const streams = Array.from({ length: 10 }, () => streamId('lead', randomUUID()));
    for (let i = 0; i < 200; i++) await store.appendToStream(streams[i % 10], [testEvent('LeadUpdated', { i })]);
    relay = await startRelay({ store, kafka, service: `${prefix}leads`, categories: ['lead', 'scoring'], topicPrefix: prefix, partitions: 3 });
    const consuming = await createKafkaEventBus({ kafka, pool, topicPrefix: prefix, partitions: 3, log: () => undefined });
    bus = consuming;
    await consuming.subscribe({
      name: `${prefix}consumer`,
      categories: ['lead'],
      handler: async (events, { tx }) => {
        for (const event of events) await tx?.query(`INSERT INTO "${schema}".applied (event_id, stream_id, revision) VALUES ($1, $2, $3)`, [event.id, event.streamId, event.revision]);
      },
    });
    await waitUntil(() => consuming.counters.applied >= 200, 60_000);
    // Subscribing does not wait for the group join; membership says when it happened.
    expect(consuming.membership()).toEqual([{ group: `${prefix}${prefix}consumer`, joined: true }]);

    // A crash between publishing and checkpointing: the relay starts over and publishes again.
    await relay.stop();
    await pool.query(`UPDATE "${schema}".subscription_checkpoints SET position = 0 WHERE name = $1`, [`relay.${prefix}leads`]);
    relay = await startRelay({ store, kafka, service: `${prefix}leads`, categories: ['lead'], topicPrefix: prefix, partitions: 3 });
    await waitUntil(() => consuming.counters.duplicates >= 200, 60_000);

    const rows = await applied();
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(200);
    for (const stream of streams) {
      expect(rows.filter((row) => row.stream_id === stream).map((row) => row.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  }, 120_000);

  it('parks a poison message on the dead-letter topic after bounded retries, skips unknown types and newer versions, and keeps going', async () => {
    const poison = testEvent('LeadCaptured', { poison: true });
    const stream = streamId('lead', randomUUID());
    await store.appendToStream(stream, [testEvent('LeadCaptured', { n: 1 }), poison, testEvent('LeadUpdated', { n: 3 })]);
    relay = await startRelay({ store, kafka, service: `${prefix}leads`, categories: ['lead'], topicPrefix: prefix, partitions: 3 });
    const attempts: number[] = [];
    const consuming = await createKafkaEventBus({ kafka, pool, topicPrefix: prefix, partitions: 3, maxAttempts: 3, backoffMs: 20, log: () => undefined });
    bus = consuming;
    await consuming.subscribe({
      name: `${prefix}consumer`,
      categories: ['lead'],
      onError: (_error, attempt) => attempts.push(attempt),
      handler: async (events, { tx }) => {
        for (const event of events) {
          if ((event.data as { poison?: boolean }).poison) throw new Error('cannot digest this');
          await tx?.query(`INSERT INTO "${schema}".applied (event_id, stream_id, revision) VALUES ($1, $2, $3)`, [event.id, event.streamId, event.revision]);
        }
      },
    });
    const producer = kafka.producer();
    await producer.connect();
    const topic = `${prefix}crm.leads.events`;
    await producer.send({
      topic,
      messages: [
        { key: stream, value: '{}', headers: { [eventHeaders.type]: 'LeadTeleported', [eventHeaders.schemaVersion]: '1' } },
        { key: stream, value: '{}', headers: { [eventHeaders.type]: 'LeadCaptured', [eventHeaders.schemaVersion]: '99' } },
      ],
    });
    await producer.disconnect();
    await waitUntil(() => consuming.counters.applied >= 2 && consuming.counters.deadLettered === 1 && consuming.counters.skipped === 2, 60_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect((await applied()).map((row) => row.revision)).toEqual([0, 2]);

    const consumer = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic(topic as Topic), fromBeginning: true });
    const parked: Array<{ id: string; error: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        parked.push({ id: String(message.headers?.[eventHeaders.eventId]), error: String(message.headers?.['crm-error']) });
      },
    });
    await waitUntil(() => parked.length === 1, 30_000);
    await consumer.disconnect();
    expect(parked).toEqual([{ id: poison.id, error: 'cannot digest this' }]);
  }, 120_000);
});

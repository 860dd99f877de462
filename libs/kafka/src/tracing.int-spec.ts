import { randomUUID } from 'node:crypto';
import { streamId } from '@crm/contracts';
import { metadataCausedBy } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { createTestSchema, deleteTopicsWithPrefix, describeWithInfra, kafkaBrokers, testEvent, uniqueName, waitUntil } from '@crm/testing';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from './kafka-client';
import { createKafkaEventBus, KafkaEventBus } from './kafka-event-bus';
import { Relay, startRelay } from './relay';

// Trace context across a real broker, with an OpenTelemetry SDK registered in this process: the
// relay's PRODUCER span continues the event's trace and its Kafka header names that span; the
// consumer's CONSUMER span is its child, and a policy's follow-up records the consumer span.

describeWithInfra(['postgres', 'kafka'], 'tracing through the relay and the Kafka event bus', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let pool: Pool;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let prefix: string;
  let relay: Relay | undefined;
  let bus: KafkaEventBus | undefined;

  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(async () => {
    let schema: string;
    ({ pool, schema, drop } = await createTestSchema('bustrace'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 50 });
    await store.migrate();
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'trace-test' });
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

  it('links the event’s span, the publish, the consumer and the follow-up in one trace', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const commandSpan = '00f067aa0ba902b7';
    const captured = testEvent('LeadCaptured', { n: 1 });
    captured.metadata = { ...captured.metadata, traceparent: `00-${traceId}-${commandSpan}-01` };
    await store.appendToStream(streamId('lead', randomUUID()), [captured]);
    relay = await startRelay({ store, kafka, service: `${prefix}leads`, categories: ['lead'], topicPrefix: prefix, partitions: 1 });
    const consuming = await createKafkaEventBus({ kafka, pool, topicPrefix: prefix, partitions: 1, log: () => undefined });
    bus = consuming;
    const followUps: Array<string | undefined> = [];
    await consuming.subscribe({
      name: `${prefix}policy`,
      categories: ['lead'],
      handler: async (events) => {
        for (const event of events) followUps.push(metadataCausedBy(event, { id: 'policy', role: 'system' }, 'follow-up').traceparent);
      },
    });
    await waitUntil(() => consuming.counters.applied >= 1, 60_000);

    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const producer = spans.find((span) => span.kind === SpanKind.PRODUCER);
    const consumer = spans.find((span) => span.kind === SpanKind.CONSUMER);
    expect(producer).toMatchObject({ name: `${prefix}crm.leads.events publish` });
    expect(producer?.parentSpanContext?.spanId).toBe(commandSpan);
    expect(producer?.attributes['messaging.message.id']).toBe(captured.id);
    expect(consumer).toMatchObject({ name: `${prefix}policy process` });
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(followUps).toEqual([`00-${traceId}-${consumer?.spanContext().spanId}-01`]);
  }, 120_000);
});

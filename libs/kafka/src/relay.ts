import { categoryOf, EventEnvelope, eventHeaders, StreamCategory, topicForCategory } from '@crm/contracts';
import { contextOfTraceparent, EventStore, recordedTraceparent, tracer } from '@crm/event-sourcing';
import { Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Kafka } from 'kafkajs';
import { ensureTopics } from './kafka-client';
import { toKafkaMessage } from './event-codec';

export type RelayOptions = {
  store: EventStore;
  kafka: Kafka;
  /** The producing service: names the relay's checkpoint. */
  service: string;
  /** The categories this service owns; their events go to their topics. */
  categories: readonly StreamCategory[];
  partitions?: number;
  /** Prepended to topic names (test isolation, shared clusters). */
  topicPrefix?: string;
  onError?: (error: unknown, attempt: number) => void;
};

export type Relay = { stop: () => Promise<void>; readonly position: number };

/**
 * Publishes a service's events from its store to Kafka: a checkpointed subscription, so there is
 * no dual write. The checkpoint moves only after Kafka acknowledged the batch (acks from all
 * in-sync replicas, idempotent producer): a crash in between republishes, never loses.
 */
export const startRelay = async (options: RelayOptions): Promise<Relay> => {
  const prefix = options.topicPrefix ?? '';
  const topics = [...new Set(options.categories.map((category) => `${prefix}${topicForCategory(category)}`))];
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics.map((topic) => ({ topic, numPartitions: options.partitions ?? 6 })));
  } finally {
    await admin.disconnect();
  }
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const subscription = await options.store.subscribe({
    name: `relay.${options.service}`,
    categories: options.categories,
    transactional: false,
    batchSize: 500,
    onError: options.onError,
    handler: async (events) => {
      const byTopic = new Map<string, EventEnvelope[]>();
      for (const event of events) {
        const topic = `${prefix}${topicForCategory(categoryOf(event.streamId) as StreamCategory)}`;
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
      }
      // A PRODUCER span per event when tracing is on, child of the span that appended it; the
      // message's traceparent header names it, so consumers continue the trace from the publish.
      const spans: Span[] = [];
      const message = (topic: string) => (event: EventEnvelope) => {
        const span = tracer().startSpan(
          `${topic} publish`,
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': topic, 'messaging.message.id': event.id, 'crm.event.type': event.type } },
          contextOfTraceparent(event.metadata.traceparent),
        );
        const traceparent = recordedTraceparent(span);
        const encoded = toKafkaMessage(event);
        if (!traceparent) return encoded;
        spans.push(span);
        return { ...encoded, headers: { ...encoded.headers, [eventHeaders.traceparent]: traceparent } };
      };
      try {
        await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, batch]) => ({ topic, messages: batch.map(message(topic)) })) });
      } catch (error) {
        for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        for (const span of spans) span.end();
      }
    },
  });
  return {
    get position() {
      return subscription.position;
    },
    stop: async () => {
      await subscription.stop();
      await producer.disconnect();
    },
  };
};

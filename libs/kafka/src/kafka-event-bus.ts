import { categoryOf, deadLetterTopic, EventEnvelope, StreamCategory, Topic, topicForCategory } from '@crm/contracts';
import { BusSubscriptionOptions, EventBus, isTransientInfrastructureError, Subscription, trackRunning, withConsumerSpans } from '@crm/event-sourcing';
import { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { fromKafkaMessage, traceparentHeader } from './event-codec';
import { ensureTopics } from './kafka-client';

export type KafkaEventBusOptions = {
  kafka: Kafka;
  /** The consuming service's database: the inbox of applied event ids lives there. */
  pool: Pool;
  /** Attempts per message before it goes to the dead-letter topic. */
  maxAttempts?: number;
  backoffMs?: number;
  partitions?: number;
  /** Prepended to topic names (test isolation, shared clusters). */
  topicPrefix?: string;
  /**
   * How long the group coordinator waits for a silent member before it hands its partitions on
   * (default 10 s). A crashed (SIGKILLed) member is only dropped after it: a restarted consumer
   * waits that long to join, so shorter means faster recovery and longer tolerates longer pauses.
   */
  sessionTimeoutMs?: number;
  /** How often a member heartbeats, also while a long handler runs (default 3 s, at most a third of the session timeout). */
  heartbeatIntervalMs?: number;
  log?: (line: string) => void;
};

/** Counts a process exposes as metrics (see issue 10): dead-lettered and skipped messages. */
export type BusCounters = { deadLettered: number; skipped: number; applied: number; duplicates: number };

export type ConsumerLag = { group: string; topic: string; partition: number; lag: number };

/** Whether a subscription's consumer is a member of its group (joined, and not crashed or stopped since). */
export type GroupMembership = { group: string; joined: boolean };

export type KafkaEventBus = EventBus & {
  readonly counters: BusCounters;
  /** Messages not yet consumed, per consumer group, topic and partition (high watermark − committed offset). */
  lag: () => Promise<ConsumerLag[]>;
  /**
   * `subscribe` resolves once the consumer is connected and subscribed, without waiting for the
   * group join (a crashed predecessor's session must first expire): this says which have joined.
   */
  membership: () => GroupMembership[];
  close: () => Promise<void>;
};

const inboxSql = `
CREATE SCHEMA IF NOT EXISTS event_bus;
CREATE TABLE IF NOT EXISTS event_bus.inbox (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);`;

/**
 * Consumes other contexts' events from Kafka, one consumer group per subscription name. Each
 * message is applied in a database transaction that also records its event id in an inbox, so a
 * redelivery (rebalance, crash before the offset commit) changes nothing. A message that keeps
 * failing is retried with backoff a bounded number of times, then parked on `<topic>.dlq` with the
 * error, and the consumer moves on. Unknown types and newer versions are skipped with a log line.
 */
export const createKafkaEventBus = async (options: KafkaEventBusOptions): Promise<KafkaEventBus> => {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  const counters: BusCounters = { deadLettered: 0, skipped: 0, applied: 0, duplicates: 0 };
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3));
  await options.pool.query(inboxSql);
  const dlqProducer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await dlqProducer.connect();
  const subscriptions: Subscription[] = [];
  const running = new Map<string, Subscription>();
  const groups: Array<{ groupId: string; topics: string[]; joined: boolean }> = [];

  const applyOnce = async (consumer: string, event: EventEnvelope, handler: BusSubscriptionOptions['handler'], transactional: boolean) => {
    if (!transactional) {
      // Idempotent appends only (deterministic event ids): nothing to record, no transaction to hold.
      await handler([event], { subscriptionName: consumer });
      counters.applied++;
      return;
    }
    const client: PoolClient = await options.pool.connect();
    let broken = false;
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const recorded = await client.query('INSERT INTO event_bus.inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, event.id]);
      if (recorded.rowCount === 0) {
        await client.query('ROLLBACK');
        counters.duplicates++;
        return;
      }
      await handler([event], { subscriptionName: consumer, tx: client });
      await client.query('COMMIT');
      counters.applied++;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  };

  const deadLetter = async (topic: string, message: KafkaMessage, error: unknown) => {
    await dlqProducer.send({
      topic: deadLetterTopic(topic as Topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: { ...message.headers, 'crm-error': String((error as Error)?.message ?? error).slice(0, 1000), 'crm-original-offset': message.offset },
        },
      ],
    });
    counters.deadLettered++;
  };

  return {
    counters,
    membership: () => groups.map(({ groupId, joined }) => ({ group: groupId, joined })),
    subscription: (name) => running.get(name),
    lag: async () => {
      const admin = options.kafka.admin();
      await admin.connect();
      try {
        const result: ConsumerLag[] = [];
        for (const { groupId, topics } of groups) {
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
            const ends = new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, Number(entry.high)]));
            for (const { partition, offset } of partitions) {
              const committed = Number(offset);
              const end = ends.get(partition) ?? 0;
              result.push({ group: groupId, topic, partition, lag: Math.max(0, committed < 0 ? end : end - committed) });
            }
          }
        }
        return result;
      } finally {
        await admin.disconnect();
      }
    },
    subscribe: async (subscription) => {
      const topics = [...new Set(subscription.categories.map((category) => `${options.topicPrefix ?? ''}${topicForCategory(category as StreamCategory)}`))];
      const admin = options.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [
          ...topics.map((topic) => ({ topic, numPartitions: options.partitions ?? 6 })),
          ...topics.map((topic) => ({ topic: deadLetterTopic(topic as Topic), numPartitions: 1 })),
        ]);
      } finally {
        await admin.disconnect();
      }
      const group = { groupId: `${options.topicPrefix ?? ''}${subscription.name}`, topics, joined: false };
      groups.push(group);
      const consumer = options.kafka.consumer({ groupId: group.groupId, sessionTimeout, heartbeatInterval, allowAutoTopicCreation: false });
      consumer.on(consumer.events.GROUP_JOIN, () => (group.joined = true));
      // After a crash kafkajs restarts the consumer itself when the error is retriable: a new join.
      consumer.on(consumer.events.CRASH, () => (group.joined = false));
      consumer.on(consumer.events.STOP, () => (group.joined = false));
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      let lastPosition = 0;
      let stopping = false;
      // Not awaited: `run` resolves once the group is joined, which after a crash waits out the dead
      // member's session. Meanwhile the service serves HTTP and its readiness says not yet joined.
      const started = consumer.run({
        autoCommit: true,
        eachMessage: async ({ topic, message, heartbeat }) => {
          const decoded = fromKafkaMessage(message);
          if (decoded.kind === 'skip') {
            counters.skipped++;
            log(`${subscription.name}: skipped ${topic}@${message.offset}: ${decoded.reason}`);
            return;
          }
          const { event } = decoded;
          if (!subscription.categories.includes(categoryOf(event.streamId))) return;
          // KafkaJS sends no heartbeats while a handler runs: keep the membership alive.
          const beat = setInterval(() => void heartbeat().catch(() => undefined), heartbeatInterval);
          try {
            // Only failures of the event itself count towards the dead letter: while the database is
            // unavailable (a restart, a dropped connection) the consumer waits and retries.
            for (let attempt = 1, failures = 0; ; attempt++) {
              try {
                // A CONSUMER span per attempt, child of the relay's producer span (Kafka header) or else the event's.
                await withConsumerSpans(subscription.name, [event], () => applyOnce(subscription.name, event, subscription.handler, subscription.transactional !== false), () => traceparentHeader(message) ?? event.metadata.traceparent);
                lastPosition = Math.max(lastPosition, event.globalPosition);
                return;
              } catch (error) {
                subscription.onError?.(error, attempt);
                if (isTransientInfrastructureError(error)) {
                  // Stopping: leave the offset uncommitted, the message comes again after a restart.
                  if (stopping) throw error;
                  await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, backoffMs * 2 ** Math.min(attempt - 1, 5))));
                  continue;
                }
                failures++;
                if (failures >= maxAttempts) {
                  log(`${subscription.name}: ${event.type} ${event.id} failed ${attempt} times, sent to ${deadLetterTopic(topic as Topic)}: ${(error as Error).message}`);
                  await deadLetter(topic, message, error);
                  return;
                }
                await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (failures - 1)));
              }
            }
          } finally {
            clearInterval(beat);
          }
        },
      });
      void started.catch((error: unknown) => log(`${subscription.name}: the consumer did not start: ${(error as Error).message}`));
      const handle: Subscription = {
        name: subscription.name,
        get position() {
          return lastPosition;
        },
        // Positions of other services' stores are not comparable with this one's: no waiting on them.
        waitFor: () => Promise.reject(new Error('waitFor is not available on a Kafka subscription')),
        stop: async () => {
          stopping = true;
          await consumer.disconnect();
        },
      };
      subscriptions.push(handle);
      return trackRunning(running, handle);
    },
    close: async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await dlqProducer.disconnect();
    },
  };
};

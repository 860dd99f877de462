// Relay throughput to Kafka: BENCH_RELAY_EVENTS (default 20,000) generated CRM events are appended
// to a PostgreSQL event store first (not timed), then the relay (libs/kafka startRelay, every
// category, 6 partitions per topic) is started and timed until its checkpointed subscription has
// passed the last event, i.e. until Kafka acknowledged every batch. The topics' high watermarks then
// confirm that every event arrived.
//
// Baseline, against the same broker in the same run: a bare kafkajs producer configured as the
// relay's (idempotent, one request in flight, acks from all in-sync replicas) sending the very same
// messages (toKafkaMessage of the stored events) in the same batches (500 events, split by topic)
// to topics of its own, one sendBatch after another. The ratio is what reading the store and
// moving the checkpoint costs on top of producing. Both are timed from before their producer
// connects, and run three times, alternately, on fresh topics; the best run of each is reported.
//
// PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test, else an embedded server,
// in a fresh schema. Kafka: KAFKA_BROKERS, else a broker on 127.0.0.1:19092 (infra/kafka/start.sh);
// without one the benchmark reports itself skipped. The schema and every topic it made are removed
// at the end, also on failure.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { adminQuery, dist, kafkaBrokers, log, newPool, onInterrupt, postgres, seconds, skipped, sleep } from '../support/infra.mjs';

const { categoryOf, serviceCategories, topicForCategory } = dist('libs/contracts/src/index.js');
const { generateCrmHistory } = dist('libs/testing/src/crm-history.js');
const { createPostgresEventStore } = dist('libs/postgres-event-store/src/index.js');
const { createKafka, ensureTopics, startRelay, toKafkaMessage } = dist('libs/kafka/src/index.js');

export const name = 'kafka relay';

const eventCount = Number(process.env.BENCH_RELAY_EVENTS ?? 20_000);
const rounds = 3;
const partitions = 6;
const batchSize = 500; // the relay's subscription batch
const writers = 8;
const categories = Object.values(serviceCategories).flat();
const topicsOf = (prefix) => [...new Set(categories.map((category) => `${prefix}${topicForCategory(category)}`))];

/** Appends the history, each stream's events in one call, from a few writers at once. */
const preload = async (store) => {
  const byStream = new Map();
  for (const { streamId, event } of generateCrmHistory({ seed: 11, tenantId: 'tenant-bench', events: eventCount, currencies: ['EUR', 'USD'] })) {
    byStream.set(streamId, [...(byStream.get(streamId) ?? []), event]);
  }
  const queue = [...byStream];
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await store.appendToStream(next[0], next[1]);
    }),
  );
  return byStream.size;
};

/** The relay's batches, rebuilt from the store: 500 events in global order, grouped by topic. */
const relayBatches = async (store, prefix) => {
  const batches = [];
  for (let after = 0; ; ) {
    const events = await store.readAll({ after, maxCount: batchSize, categories });
    if (events.length === 0) return batches;
    const byTopic = new Map();
    for (const event of events) {
      const topic = `${prefix}${topicForCategory(categoryOf(event.streamId))}`;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), toKafkaMessage(event)]);
    }
    batches.push([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    after = events[events.length - 1].globalPosition;
  }
};

const messagesIn = async (admin, topics) => {
  let total = 0;
  for (const topic of topics) for (const { high, low } of await admin.fetchTopicOffsets(topic)) total += Number(high) - Number(low);
  return total;
};

export const run = async () => {
  const kafkaTarget = await kafkaBrokers();
  if (kafkaTarget.error) return skipped('no Kafka', kafkaTarget.error);
  const server = await postgres('relay');
  if (server.error) return skipped('no PostgreSQL', server.error);

  const suffix = randomBytes(4).toString('hex');
  const schema = `bench_relay_${suffix}`;
  const topicRoot = `bench.relay.${suffix}.`;
  const applicationName = `bench-${schema}`;
  const pool = newPool({ connectionString: server.url, max: writers + 2, application_name: applicationName });
  const kafka = createKafka({ brokers: kafkaTarget.brokers, clientId: `bench-relay-${suffix}` });
  const admin = kafka.admin();
  let store;
  const relays = [];
  const cleanup = async () => {
    for (const relay of relays) await relay.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
    try {
      await admin.connect();
      const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(topicRoot));
      if (ours.length) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
    } catch (error) {
      log(`could not delete topics ${topicRoot}*: ${error.message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await pool.end().catch(() => undefined);
    await adminQuery(server.url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]).catch(() => undefined);
    await adminQuery(server.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((error) => log(`could not drop ${schema}: ${error.message}`));
    await server.stop().catch(() => undefined);
  };
  const disarm = onInterrupt(cleanup);
  const started = performance.now();
  try {
    log(`PostgreSQL: ${server.where}; schema ${schema}; Kafka ${kafkaTarget.where}, topics ${topicRoot}*`);
    await pool.query(`CREATE SCHEMA ${schema}`);
    store = createPostgresEventStore({ pool, schema });
    await store.migrate();
    const appending = performance.now();
    const streams = await preload(store);
    const head = await store.headPosition();
    const expected = (await store.readAll({ after: 0, maxCount: Number.MAX_SAFE_INTEGER, categories })).length;
    log(`preload: ${expected} events in ${streams} streams appended in ${seconds(performance.now() - appending)} (head position ${head})`);

    await admin.connect();
    const runs = { relay: [], raw: [] };
    for (let round = 1; round <= rounds; round++) {
      const rawPrefix = `${topicRoot}raw${round}.`;
      const relayPrefix = `${topicRoot}relay${round}.`;
      // Creating topics is not what either side is timed for.
      await ensureTopics(admin, [...topicsOf(rawPrefix), ...topicsOf(relayPrefix)].map((topic) => ({ topic, numPartitions: partitions })));

      const batches = await relayBatches(store, rawPrefix);
      const producing = performance.now();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      for (const topicMessages of batches) await producer.sendBatch({ acks: -1, topicMessages });
      const rawMs = performance.now() - producing;
      await producer.disconnect();
      const rawCount = await messagesIn(admin, topicsOf(rawPrefix));

      const relaying = performance.now();
      const relay = await startRelay({ store, kafka, service: `bench-${suffix}-${round}`, categories, partitions, topicPrefix: relayPrefix });
      relays.push(relay);
      while (relay.position < head) {
        if (performance.now() - relaying > 600_000) throw new Error(`relay stuck at position ${relay.position} of ${head}`);
        await sleep(2);
      }
      const relayMs = performance.now() - relaying;
      await relay.stop();
      relays.pop();
      const relayCount = await messagesIn(admin, topicsOf(relayPrefix));
      if (rawCount !== expected || relayCount !== expected) throw new Error(`expected ${expected} messages per side, found ${relayCount} (relay) and ${rawCount} (raw producer)`);

      runs.raw.push(expected / (rawMs / 1000));
      runs.relay.push(expected / (relayMs / 1000));
      log(`round ${round}: relay ${seconds(relayMs)} (${runs.relay.at(-1).toFixed(0)} events/s), raw producer ${seconds(rawMs)} (${runs.raw.at(-1).toFixed(0)} messages/s), ${batches.length} batches`);
    }
    const bytes = (await store.readAll({ after: 0, maxCount: 1000, categories })).reduce((sum, event) => sum + toKafkaMessage(event).value.length, 0) / 1000;
    log(`wall time ${seconds(performance.now() - started)}`);
    return [
      {
        case: `${expected.toLocaleString('en-US')} events, ${partitions} partitions/topic`,
        measure: `events/s relayed (best of ${rounds})`,
        value: Math.max(...runs.relay),
        baselineName: 'kafkajs producer, same messages and batches',
        baseline: Math.max(...runs.raw),
        note: `runs: relay ${runs.relay.map((r) => r.toFixed(0)).join(', ')}; raw ${runs.raw.map((r) => r.toFixed(0)).join(', ')}; ~${bytes.toFixed(0)} B/message`,
      },
    ];
  } finally {
    disarm();
    await cleanup();
  }
};

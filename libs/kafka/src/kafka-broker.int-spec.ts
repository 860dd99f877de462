import { eventHeaders } from '@crm/contracts';
import { describeWithInfra, kafkaBrokers, uniqueName } from '@crm/testing';
import { Admin, Consumer, ConsumerConfig, ConsumerGroupJoinEvent, EachMessagePayload, Kafka, Partitioners, Producer } from 'kafkajs';
import { createKafka, ensureTopics } from './kafka-client';

/**
 * Proves the broker the tests run against is a real Kafka, with the guarantees the relay and the
 * consumers will rely on: idempotent keyed production, per-key ordering and partition affinity,
 * exactly-once delivery to a consumer group, and committed offsets surviving a consumer restart.
 */
describeWithInfra(['kafka'], 'Kafka broker smoke test', () => {
  const messageCount = 1_000;
  const keyCount = 50;
  const partitionCount = 3;
  const batchCount = 4;
  const topic = uniqueName('kafka_smoke');
  const groupId = uniqueName('kafka_smoke_group');

  // A single-node test broker: short timeouts so a lost member is noticed quickly, and a short fetch
  // wait so stopping a consumer does not sit out a long poll. sessionTimeout stays above the
  // broker's group.min.session.timeout.ms (6 s).
  const consumerConfig: ConsumerConfig = {
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false, // the broker would auto-create with 1 partition: fail loudly instead
  };

  type Received = { id: number; key: string; partition: number; offset: bigint; eventId: string | undefined };

  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const connected: Array<{ disconnect: () => Promise<void> }> = [];
  const producedOrder = new Map<string, number[]>(); // key -> message ids, in the order they were produced
  const received: Received[] = [];
  let highWatermarks: Map<number, bigint>;

  const keyOf = (id: number): string => `customer-${id % keyCount}`;

  const toReceived = ({ partition, message }: EachMessagePayload): Received => {
    const { id } = JSON.parse(message.value?.toString() ?? 'null') as { id: number };
    return {
      id,
      key: message.key?.toString() ?? '',
      partition,
      offset: BigInt(message.offset),
      eventId: message.headers?.[eventHeaders.eventId]?.toString(),
    };
  };

  const fetchHighWatermarks = async (): Promise<Map<number, bigint>> =>
    new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));

  const fetchCommitted = async (): Promise<Map<number, bigint>> => {
    const [forTopic] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(forTopic.partitions.map(({ partition, offset }) => [partition, BigInt(offset)]));
  };

  const startConsumer = async (onMessage: (payload: EachMessagePayload) => void): Promise<{ consumer: Consumer; joined: Promise<ConsumerGroupJoinEvent> }> => {
    const consumer = kafka.consumer(consumerConfig);
    // Registered before run(): the first join can complete before run() resolves.
    const joined = new Promise<ConsumerGroupJoinEvent>((resolve) => {
      const remove = consumer.on(consumer.events.GROUP_JOIN, (event) => {
        remove();
        resolve(event);
      });
    });
    await consumer.connect();
    connected.push(consumer);
    // fromBeginning only applies when the group has no committed offset: it makes the restart
    // check meaningful, since a group that lost its commits would re-read the whole topic.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      // Besides kafkajs's commit after each fetched batch, commit within large batches too.
      autoCommitThreshold: 100,
      eachMessage: async (payload) => onMessage(payload),
    });
    return { consumer, joined };
  };

  beforeAll(async () => {
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'kafka-smoke-test', logSink: withoutExpectedNoise });
    admin = kafka.admin();
    await admin.connect();
  }, 30_000);

  afterAll(async () => {
    for (const client of connected.reverse()) await client.disconnect().catch(() => undefined);
    if (!admin) return;
    try {
      await admin.deleteGroups([groupId]).catch(() => undefined); // best effort: only the topic matters
      await admin.deleteTopics({ topics: [topic], timeout: 15_000 });
    } finally {
      await admin.disconnect();
    }
  }, 30_000);

  it('provisions the topic idempotently, even when two provisioners race', async () => {
    const spec = { topic, numPartitions: partitionCount, replicationFactor: 1 };
    await Promise.all([ensureTopics(admin, [spec]), ensureTopics(admin, [spec])]);
    await ensureTopics(admin, [spec]);

    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata.partitions.map(({ partitionId }) => partitionId).sort()).toEqual([0, 1, 2]);
    expect(metadata.partitions.every(({ leader }) => leader >= 0)).toBe(true);
    await expect(ensureTopics(admin, [{ ...spec, numPartitions: 5 }])).rejects.toThrow(/exists with 3 partitions but 5 are expected/);
  }, 30_000);

  it('produces 1,000 messages under 50 keys with an idempotent producer, spread over all 3 partitions', async () => {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // with idempotence, what keeps retried batches from overtaking each other
      // Explicit, to silence kafkajs's v2 partitioner warning; this one is the Java client's murmur2.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Retries stay bounded (the client's ~1 min) rather than kafkajs's unbounded default for
      // idempotent producers, so a dead broker fails this test instead of hanging Jest.
    });
    await producer.connect();
    connected.push(producer);

    const perBatch = messageCount / batchCount;
    for (let batch = 0; batch < batchCount; batch += 1) {
      const ids = Array.from({ length: perBatch }, (_, index) => batch * perBatch + index);
      for (const id of ids) producedOrder.set(keyOf(id), [...(producedOrder.get(keyOf(id)) ?? []), id]);
      await producer.send({
        topic,
        acks: -1,
        messages: ids.map((id) => ({
          key: keyOf(id),
          value: JSON.stringify({ id }),
          headers: { [eventHeaders.eventId]: `event-${id}`, [eventHeaders.type]: 'SmokeTestPinged' },
        })),
      });
    }

    highWatermarks = await fetchHighWatermarks();
    expect([...highWatermarks.keys()].sort()).toEqual([0, 1, 2]);
    // Exactly 1,000 records in the log: the idempotent producer wrote no duplicates.
    expect([...highWatermarks.values()].reduce((sum, high) => sum + high, 0n)).toBe(BigInt(messageCount));
    for (const high of highWatermarks.values()) expect(high).toBeGreaterThan(0n);
  }, 30_000);

  describe('a consumer group', () => {
    let first: Consumer;

    it('receives every message exactly once, each key on one partition and in produced order', async () => {
      ({ consumer: first } = await startConsumer((payload) => received.push(toReceived(payload))));
      await waitUntil(() => received.length >= messageCount, 30_000, () => `received ${received.length}/${messageCount}`);

      const ids = received.map(({ id }) => id).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: messageCount }, (_, id) => id));
      expect(received.every(({ id, key, eventId }) => key === keyOf(id) && eventId === `event-${id}`)).toBe(true);

      expect(new Set(received.map(({ partition }) => partition))).toEqual(new Set([0, 1, 2]));
      const partitionsOfKey = new Map<string, Set<number>>();
      for (const { key, partition } of received) partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(partition));
      expect(partitionsOfKey.size).toBe(keyCount);
      for (const [key, partitions] of partitionsOfKey) expect({ key, partitions: [...partitions] }).toEqual({ key, partitions: [expect.any(Number)] });

      for (const [key, order] of producedOrder) {
        expect({ key, order: received.filter((each) => each.key === key).map(({ id }) => id) }).toEqual({ key, order });
      }
      for (let partition = 0; partition < partitionCount; partition += 1) {
        const offsets = received.filter((each) => each.partition === partition).map(({ offset }) => offset);
        expect(offsets).toEqual(Array.from({ length: Number(highWatermarks.get(partition)) }, (_, index) => BigInt(index)));
      }
    }, 45_000);

    it('commits its offsets up to the high watermarks before it leaves', async () => {
      const expected = [...highWatermarks.entries()].sort(([a], [b]) => a - b);
      let committed = new Map<number, bigint>();
      // Commits happen after each batch is handled, so the last one may trail the last message seen.
      await waitUntil(
        async () => {
          committed = await fetchCommitted();
          return expected.every(([partition, high]) => committed.get(partition) === high);
        },
        10_000,
        () => `committed ${JSON.stringify([...committed].map(([p, o]) => [p, o.toString()]))}`,
      );
      await first.disconnect();

      expect(received).toHaveLength(messageCount);
      expect([...(await fetchCommitted()).entries()].sort(([a], [b]) => a - b)).toEqual(expected);
    }, 20_000);

    it('re-delivers none of them to a new consumer in the same group', async () => {
      const again: Received[] = [];
      const sentinels: number[] = [];
      const { joined } = await startConsumer((payload) => {
        if (payload.message.key?.toString().startsWith('sentinel-')) sentinels.push(payload.partition);
        else again.push(toReceived(payload));
      });
      const join = await withTimeout(joined, 20_000, 'the second consumer did not join the group');
      expect([...(join.payload.memberAssignment[topic] ?? [])].sort()).toEqual([0, 1, 2]);

      // One new message per partition: receiving it proves the consumer is really fetching each
      // partition, and since a partition is delivered in order, anything re-read from before the
      // committed offset would have arrived ahead of it.
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].map((partition) => ({ partition, key: `sentinel-${partition}`, value: JSON.stringify({ sentinel: partition }) })),
      });
      await waitUntil(() => sentinels.length >= partitionCount, 15_000, () => `sentinels from partitions [${sentinels.join(',')}]`);
      await sleep(2_000); // and nothing turns up late either

      expect({ redelivered: again.length, firstFew: again.slice(0, 3) }).toEqual({ redelivered: 0, firstFew: [] });
      expect(sentinels.sort()).toEqual([0, 1, 2]);
    }, 45_000);
  });
});

/** kafkajs log lines this test provokes on purpose; anything else still reaches stderr. */
const expectedNoise = [
  /Limiting retries for the idempotent producer/, // see the producer's retry comment
  /Response CreateTopics.*Topic creation errors/, // the provisioning race: TOPIC_ALREADY_EXISTS
];
const withoutExpectedNoise = (line: string): void => {
  if (!expectedNoise.some((pattern) => pattern.test(line))) process.stderr.write(`${line}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs: number, state: () => string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${state()}`);
    await sleep(50);
  }
};

const withTimeout = async <T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

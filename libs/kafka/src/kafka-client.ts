import { Admin, IResourceConfigEntry, Kafka, LogEntry, logCreator, logLevel } from 'kafkajs';

export type KafkaLogSink = (line: string) => void;

export type CreateKafkaOptions = {
  brokers: string[];
  clientId: string;
  /** Defaults to WARN: kafkajs is very chatty at INFO (every join, every commit). */
  logLevel?: logLevel;
  /** Where log lines go; defaults to stderr so they never mix with a service's stdout output. */
  logSink?: KafkaLogSink;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
};

export type TopicSpec = {
  topic: string;
  numPartitions: number;
  replicationFactor?: number;
  configEntries?: IResourceConfigEntry[];
};

export type EnsureTopicsOptions = {
  /** How long to wait for the topics' metadata (every partition led) after creating them. */
  timeoutMs?: number;
};

const stderrSink: KafkaLogSink = (line) => void process.stderr.write(`${line}\n`);

/** One line per entry: kafkajs's default logger prints multi-line JSON that drowns test and service output. */
export const quietLogCreator =
  (sink: KafkaLogSink = stderrSink): logCreator =>
  () =>
  ({ namespace, label, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _logger, error, stack: _stack, ...extra } = log;
    const details = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
    const cause = error ? ` (${String(error)})` : '';
    const where = namespace ? ` ${namespace}` : ''; // the root logger has no namespace
    sink(`[kafkajs] ${label}${where}: ${message}${cause}${details}`);
  };

export const createKafka = (options: CreateKafkaOptions): Kafka => {
  if (options.brokers.length === 0) throw new Error('createKafka: at least one broker is required');
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // The kafkajs default (1 s) is too tight for a broker on a loaded CI machine or across a network hop.
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // Ride out a broker restart or leader election (~1 min of back-off in all) instead of crashing the caller.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, factor: 0.2, multiplier: 2 },
    logLevel: options.logLevel ?? logLevel.WARN,
    logCreator: quietLogCreator(options.logSink),
  });
};

/**
 * Creates the topics that do not exist yet and waits until every partition of every topic has a
 * leader, so producers and consumers started next do not race the broker's metadata.
 *
 * Idempotent and safe when several processes provision at once (TOPIC_ALREADY_EXISTS is not an
 * error). An existing topic with a different partition count is an error rather than something to
 * fix here: changing the count re-maps keys to partitions and breaks per-key ordering, so it has to
 * be a deliberate migration.
 */
export const ensureTopics = async (admin: Admin, topics: TopicSpec[], options: EnsureTopicsOptions = {}): Promise<void> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  validateTopicSpecs(topics);
  if (topics.length === 0) return;

  const existing = new Set(await admin.listTopics());
  const preExisting = topics.filter(({ topic }) => existing.has(topic));
  if (preExisting.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: preExisting.map(({ topic }) => topic) });
    for (const spec of preExisting) {
      const found = metadata.topics.find(({ name }) => name === spec.topic);
      if (found && found.partitions.length !== spec.numPartitions) throw partitionMismatch(spec, found.partitions.length);
    }
  }

  const missing = topics.filter(({ topic }) => !existing.has(topic));
  if (missing.length > 0) {
    // kafkajs resolves to false when every topic was created concurrently by someone else, and only
    // throws when something else failed; leaders are awaited below for created and raced topics alike.
    await admin.createTopics({
      topics: missing.map(({ topic, numPartitions, replicationFactor, configEntries }) => ({
        topic,
        numPartitions,
        replicationFactor: replicationFactor ?? -1, // -1: the broker's default.replication.factor
        configEntries,
      })),
      waitForLeaders: false,
      timeout: timeoutMs,
    });
  }

  await waitForTopicMetadata(admin, topics, timeoutMs);
};

const validateTopicSpecs = (topics: TopicSpec[]): void => {
  const seen = new Set<string>();
  for (const { topic, numPartitions } of topics) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw new Error(`ensureTopics: invalid topic name "${topic}"`);
    if (seen.has(topic)) throw new Error(`ensureTopics: topic "${topic}" is listed twice`);
    seen.add(topic);
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new Error(`ensureTopics: topic "${topic}" needs a positive integer numPartitions, got ${numPartitions}`);
    }
  }
};

const partitionMismatch = (spec: TopicSpec, actual: number): Error =>
  new Error(
    `ensureTopics: topic "${spec.topic}" exists with ${actual} partitions but ${spec.numPartitions} are expected; ` +
      'changing the count re-maps keys to partitions, so migrate it deliberately',
  );

const waitForTopicMetadata = async (admin: Admin, topics: TopicSpec[], timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  const names = topics.map(({ topic }) => topic);
  let lastProblem = 'no metadata fetched yet';
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      const problems: string[] = [];
      for (const spec of topics) {
        const found = metadata.topics.find(({ name }) => name === spec.topic);
        if (!found) {
          problems.push(`${spec.topic}: no metadata`);
        } else if (found.partitions.length > spec.numPartitions) {
          // Created concurrently by someone else with more partitions: waiting will not fix it.
          throw partitionMismatch(spec, found.partitions.length);
        } else if (found.partitions.length < spec.numPartitions) {
          problems.push(`${spec.topic}: ${found.partitions.length}/${spec.numPartitions} partitions visible`);
        } else {
          const leaderless = found.partitions.filter(({ leader, partitionErrorCode }) => leader < 0 || partitionErrorCode !== 0);
          if (leaderless.length > 0) problems.push(`${spec.topic}: partitions ${leaderless.map(({ partitionId }) => partitionId).join(',')} have no leader`);
        }
      }
      if (problems.length === 0) return;
      lastProblem = problems.join('; ');
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('ensureTopics:')) throw error;
      // Right after creation the broker answers UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE for a while.
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`ensureTopics: topics not ready after ${timeoutMs} ms (${lastProblem})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * The brokers to bootstrap from, from KAFKA_BROKERS ("host:port,host:port"). Fails with a message
 * naming the variable, because a missing value otherwise surfaces much later as a vague kafkajs
 * connection error.
 */
export const kafkaBrokersFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): string[] => {
  const raw = env.KAFKA_BROKERS;
  if (raw === undefined || raw.trim() === '') {
    throw new Error('KAFKA_BROKERS is not set: expected a comma-separated list of host:port, e.g. KAFKA_BROKERS=127.0.0.1:19092');
  }
  const brokers = raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) throw new Error(`KAFKA_BROKERS="${raw}" lists no broker: expected host:port[,host:port...]`);
  for (const broker of brokers) {
    // Bracketed IPv6 hosts ([::1]:9092) carry colons of their own.
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(broker);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) {
      throw new Error(`KAFKA_BROKERS entry "${broker}" is not host:port (in KAFKA_BROKERS="${raw}")`);
    }
  }
  return brokers;
};

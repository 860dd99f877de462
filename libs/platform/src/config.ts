import { resolve } from 'node:path';

export type EventStoreKind = 'postgres' | 'kurrentdb';

export type RuntimeConfig = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  eventStore: EventStoreKind;
  kurrentDbUrl?: string;
  kafkaBrokers?: string[];
  /** Partitions of the topics a relay creates (default 6). */
  kafkaPartitions: number;
  /** Prepended to every topic and consumer-group name: several environments on one cluster. */
  kafkaTopicPrefix: string;
  /** Maximum accepted request body, in bytes. */
  bodyLimit: number;
  /** Requests per minute one token (or, without one, one address) may make; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** A request not answered within this many milliseconds gets 503 (and its connection is not held). */
  requestTimeoutMs: number;
  /** pino level of the JSON logs: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** HS256 secret for bearer tokens; the embedded app makes and keeps one in DATA_DIR when unset. */
  jwtSecret?: string;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and checks the environment once at start-up; a bad value is one clear error, not a crash later. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): RuntimeConfig => {
  const port = integer(env.PORT ?? '3000', 'PORT', 0, 65535);
  const eventStore = (env.EVENT_STORE ?? 'postgres') as EventStoreKind;
  if (eventStore !== 'postgres' && eventStore !== 'kurrentdb') throw new ConfigError(`EVENT_STORE must be postgres or kurrentdb, not "${env.EVENT_STORE}"`);
  if (eventStore === 'kurrentdb' && !env.KURRENTDB_URL) throw new ConfigError('EVENT_STORE=kurrentdb needs KURRENTDB_URL');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    eventStore,
    kurrentDbUrl: env.KURRENTDB_URL || undefined,
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean) : undefined,
    kafkaPartitions: integer(env.KAFKA_PARTITIONS ?? '6', 'KAFKA_PARTITIONS', 1, 1000),
    kafkaTopicPrefix: topicPrefix(env.KAFKA_TOPIC_PREFIX ?? ''),
    bodyLimit: integer(env.BODY_LIMIT_BYTES ?? String(256 * 1024), 'BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024),
    rateLimitPerMinute: integer(env.RATE_LIMIT_PER_MINUTE ?? '6000', 'RATE_LIMIT_PER_MINUTE', 0, 10_000_000),
    requestTimeoutMs: integer(env.REQUEST_TIMEOUT_MS ?? '30000', 'REQUEST_TIMEOUT_MS', 100, 3_600_000),
    logLevel: logLevel(env.LOG_LEVEL ?? 'info'),
    jwtSecret: jwtSecret(env.JWT_SECRET),
  };
};

const integer = (raw: string, name: string, min: number, max: number): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max}, not "${raw}"`);
  return value;
};

const logLevel = (raw: string): string => {
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw)) throw new ConfigError(`LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent, not "${raw}"`);
  return raw;
};

const jwtSecret = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  if (raw.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  return raw;
};

const topicPrefix = (raw: string): string => {
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw)) throw new ConfigError('KAFKA_TOPIC_PREFIX may hold only letters, digits, ".", "_" and "-"');
  return raw;
};

import { resolve } from 'node:path';

export type EventStoreKind = 'postgres' | 'kurrentdb';

/** Where OpenTelemetry spans go: nowhere (the default), an OTLP/HTTP collector, or stdout. */
export type TracesExporter = 'none' | 'otlp' | 'console';

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
  /**
   * Consumer-group session timeout (default 10 s, within the broker's 6 s–30 min bounds): how long a
   * crashed consumer holds its partitions, so how long a restarted one waits before it is ready.
   */
  kafkaSessionTimeoutMs: number;
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
  /** HS256 (shared secret, the default) or RS256 (the issuer's public keys from `jwtJwksUrl`). */
  jwtAlgorithm: JwtAlgorithm;
  /** RS256: where the issuer publishes its JSON Web Key Set. */
  jwtJwksUrl?: string;
  /** RS256: the JWKS is fetched at most this often (an unknown kid triggers a fetch). */
  jwtJwksMinRefetchMs: number;
  /** When set, a token's `iss` must equal it. */
  jwtIssuer?: string;
  /** When set, a token's `aud` must be or contain it. */
  jwtAudience?: string;
  /** OTEL_TRACES_EXPORTER: off (`none`) unless asked for; `OTEL_SDK_DISABLED=true` also turns it off. */
  tracesExporter: TracesExporter;
  /** Where `otlp` posts spans (OTLP/HTTP, JSON): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  otlpTracesEndpoint: string;
  /** OTEL_SERVICE_NAME: the `service.name` of exported spans; the process name (crm, leads-service, ...) when unset. */
  otelServiceName?: string;
};

export type JwtAlgorithm = 'HS256' | 'RS256';

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
    kafkaSessionTimeoutMs: integer(env.KAFKA_SESSION_TIMEOUT_MS ?? '10000', 'KAFKA_SESSION_TIMEOUT_MS', 6_000, 1_800_000),
    bodyLimit: integer(env.BODY_LIMIT_BYTES ?? String(256 * 1024), 'BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024),
    rateLimitPerMinute: integer(env.RATE_LIMIT_PER_MINUTE ?? '6000', 'RATE_LIMIT_PER_MINUTE', 0, 10_000_000),
    requestTimeoutMs: integer(env.REQUEST_TIMEOUT_MS ?? '30000', 'REQUEST_TIMEOUT_MS', 100, 3_600_000),
    logLevel: logLevel(env.LOG_LEVEL ?? 'info'),
    jwtSecret: jwtSecret(env.JWT_SECRET),
    ...jwtVerification(env),
    tracesExporter: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' ? 'none' : tracesExporter(env.OTEL_TRACES_EXPORTER?.trim() || 'none'),
    otlpTracesEndpoint: otlpTracesEndpoint(env),
    otelServiceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
  };
};

const tracesExporter = (raw: string): TracesExporter => {
  if (raw !== 'none' && raw !== 'otlp' && raw !== 'console') throw new ConfigError(`OTEL_TRACES_EXPORTER must be none, otlp or console, not "${raw}"`);
  return raw;
};

const otlpTracesEndpoint = (env: NodeJS.ProcessEnv): string => {
  const [name, raw] = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces'];
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, not "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, not "${raw}"`);
  return url.toString();
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

const jwtVerification = (env: NodeJS.ProcessEnv): Pick<RuntimeConfig, 'jwtAlgorithm' | 'jwtJwksUrl' | 'jwtJwksMinRefetchMs' | 'jwtIssuer' | 'jwtAudience'> => {
  const algorithm = env.JWT_ALGORITHM || 'HS256';
  if (algorithm !== 'HS256' && algorithm !== 'RS256') throw new ConfigError(`JWT_ALGORITHM must be HS256 or RS256, not "${algorithm}"`);
  const url = env.JWT_JWKS_URL || undefined;
  if (algorithm === 'RS256' && !url) throw new ConfigError('JWT_ALGORITHM=RS256 needs JWT_JWKS_URL');
  if (algorithm === 'HS256' && url) throw new ConfigError('JWT_JWKS_URL is only used with JWT_ALGORITHM=RS256');
  if (url && !/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : '')) throw new ConfigError(`JWT_JWKS_URL must be an http(s) URL, not "${url}"`);
  return {
    jwtAlgorithm: algorithm,
    jwtJwksUrl: url,
    jwtJwksMinRefetchMs: integer(env.JWT_JWKS_MIN_REFETCH_MS ?? '30000', 'JWT_JWKS_MIN_REFETCH_MS', 0, 86_400_000),
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || undefined,
  };
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

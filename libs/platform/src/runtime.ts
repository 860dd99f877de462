/* eslint-disable no-console */
import { DynamicModule, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { StreamCategory } from '@crm/contracts';
import { DeadLetterSink, EventBus, EventStore, storeEventBus } from '@crm/event-sourcing';
import { createKafka, createKafkaEventBus, KafkaEventBus, Relay, startRelay } from '@crm/kafka';
import { createKurrentDbEventStore } from '@crm/kurrentdb-event-store';
import { createPostgresEventStore } from '@crm/postgres-event-store';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Pool } from 'pg';
import { AuthSettings } from './auth/auth.guard';
import { JwksKeySource } from './auth/jwks';
import { signHs256 } from './auth/jwt';
import { ConfigError, loadConfig, RuntimeConfig } from './config';
import { EmbeddedPostgres, EmbeddedPostgresError, startEmbeddedPostgres } from './embedded-postgres';
import { EventBusTransport, connectEventConsumers } from './events/event-bus.transport';
import { closeQuietly, createHttpApp } from './http-app';
import { idempotencySchemaSql } from './http/idempotency.interceptor';
import { createLogger } from './observability/logging';
import { Metrics } from './observability/metrics';
import { startTracing, traceStore } from './observability/tracing';

export type ServiceDefinition = {
  /** Process name used in log lines. */
  name: string;
  title: string;
  description: string;
  modules: Array<Type<unknown> | DynamicModule>;
  /** The embedded app may start its own PostgreSQL; the standalone services require DATABASE_URL. */
  allowEmbeddedDatabase: boolean;
  /** The stream categories this process writes: relayed to their Kafka topics when KAFKA_BROKERS is set. */
  ownedCategories: StreamCategory[];
};

/** A start-up failure the user can act on: printed as one line, exit code 1. */
class StartupError extends Error {}

export type RunningService = {
  app: NestFastifyApplication;
  config: RuntimeConfig;
  url: string;
  stop: () => Promise<void>;
};

/** Starts a service: configuration, database, event store, HTTP; stops it all on SIGTERM/SIGINT. */
export const runService = async (definition: ServiceDefinition): Promise<void> => {
  let running: RunningService | undefined;
  try {
    running = await startService(definition);
  } catch (error) {
    const known = error instanceof StartupError || error instanceof ConfigError || error instanceof EmbeddedPostgresError;
    console.error(`${definition.name}: ${known ? (error as Error).message : `failed to start: ${(error as Error).stack ?? String(error)}`}`);
    process.exit(1);
  }
  const service = running;
  console.log(`${definition.name}: listening on ${service.url} (API docs at ${service.url}/docs)`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.error(`${definition.name}: ${signal} again, exiting at once`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${definition.name}: ${signal} received, shutting down`);
    void service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${definition.name}: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
};

export const startService = async (definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> => {
  const config = loadConfig(env);
  if (config.port !== 0) await assertPortFree(config.host, config.port);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    if (!definition.allowEmbeddedDatabase) throw new StartupError('DATABASE_URL is required (this service runs in distributed mode)');
    assertWritableDirectory(config.dataDir);
    embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), database: 'crm', log: (line) => console.log(`${definition.name}: ${line}`) });
    databaseUrl = embedded.url;
  }

  const tracing = startTracing(config, definition.name);
  const pool = new Pool({ connectionString: databaseUrl, max: 20, application_name: definition.name });
  pool.on('error', (error) => console.error(`${definition.name}: idle database connection failed: ${error.message}`));
  let store: EventStore | undefined;
  let metrics: Metrics | undefined;
  let kafkaClient: ReturnType<typeof createKafka> | undefined;
  let app: NestFastifyApplication | undefined;
  let relay: Relay | undefined;
  let kafkaBus: KafkaEventBus | undefined;
  let consumers: EventBusTransport | undefined;
  const stop = async () => {
    // Consumers first: none may still be applying an event while the modules shut down.
    await consumers?.close();
    await closeQuietly(app);
    await kafkaBus?.close();
    await relay?.stop();
    await store?.close();
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    await tracing.shutdown();
  };
  try {
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      throw new StartupError(`cannot connect to PostgreSQL: ${(error as Error).message}`);
    }
    const rawStore = await createEventStore(config, pool);
    metrics = new Metrics(definition.name, rawStore);
    store = tracing.enabled ? traceStore(metrics.instrumentStore(rawStore)) : metrics.instrumentStore(rawStore);
    await pool.query(idempotencySchemaSql);
    const auth = authSettingsFor(config, definition.allowEmbeddedDatabase === true);
    let bus: EventBus = storeEventBus(store, { deadLetter: await deadLetterTable(pool, definition.name) });
    if (config.kafkaBrokers) {
      const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: definition.name });
      kafkaClient = kafka;
      relay = await startRelay({ store, kafka, service: definition.name, categories: definition.ownedCategories, partitions: config.kafkaPartitions, topicPrefix: config.kafkaTopicPrefix });
      // The embedded app holds every context in one store: it consumes through it even with Kafka.
      if (!definition.allowEmbeddedDatabase) {
        kafkaBus = await createKafkaEventBus({
          kafka,
          pool,
          partitions: config.kafkaPartitions,
          topicPrefix: config.kafkaTopicPrefix,
          sessionTimeoutMs: config.kafkaSessionTimeoutMs,
          log: (line) => console.warn(`${definition.name}: ${line}`),
        });
        bus = kafkaBus;
      }
    }
    const kafka = kafkaBus;
    metrics.watchDeadLetters(pool, kafka ? () => kafka.counters.deadLettered : undefined);
    if (kafka) metrics.watchConsumerLag(() => kafka.lag());
    const brokers = kafkaClient;
    const kafkaProbe = brokers
      ? async () => {
          const admin = brokers.admin();
          await admin.connect();
          try {
            await admin.describeCluster();
          } finally {
            await admin.disconnect();
          }
        }
      : undefined;
    // Not ready until every consumer has joined its group: after a crash that waits out the dead
    // member's session (KAFKA_SESSION_TIMEOUT_MS), while HTTP already serves.
    const consumerGroupsProbe = kafka
      ? async () => {
          const waiting = kafka.membership().filter((group) => !group.joined);
          if (waiting.length) throw new Error(`not yet joined: ${waiting.map((group) => group.group).join(', ')}`);
        }
      : undefined;
    app = await createHttpApp({ config, pool, store, bus, auth, metrics, logger: createLogger(definition.name, config.logLevel), kafkaProbe, consumerGroupsProbe }, definition);
    // The modules' @EventPattern consumers, on the bus: after the modules' init hooks (their tables),
    // before HTTP, so that a read-your-writes query finds its consumer running.
    consumers = connectEventConsumers(app, bus);
    await app.init();
    await app.startAllMicroservices();
    try {
      await app.listen(config.port, config.host);
    } catch (error) {
      if ((error as { code?: string }).code === 'EADDRINUSE') throw new StartupError(`port ${config.port} is already in use (set PORT to a free port)`);
      throw error;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  if (!config.jwtSecret && config.jwtAlgorithm === 'HS256' && definition.allowEmbeddedDatabase) {
    const { token, file } = writeDevelopmentToken(config.dataDir);
    console.log(`${definition.name}: development admin token (tenant "default", also in ${file}):\n${token}`);
  }
  return { app, config: { ...config, port }, url, stop };
};

/** The event store the configuration names, migrated and ready. */
export const createEventStore = async (config: RuntimeConfig, pool: Pool): Promise<EventStore> => {
  switch (config.eventStore) {
    case 'postgres': {
      const store = createPostgresEventStore({ pool });
      await store.migrate();
      return store;
    }
    case 'kurrentdb': {
      return createKurrentDbEventStore({ connectionString: config.kurrentDbUrl });
    }
    default: {
      const unreachable: never = config.eventStore;
      throw new ConfigError(`unknown event store ${String(unreachable)}`);
    }
  }
};

const assertPortFree = (host: string, port: number) =>
  new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new StartupError(
          error.code === 'EADDRINUSE' ? `port ${port} is already in use (set PORT to a free port)` : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });

const assertWritableDirectory = (dir: string) => {
  try {
    makeDirectories(dir);
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new StartupError(`data directory ${dir} is not writable (set DATA_DIR): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
};

/**
 * `mkdir -p` without `mkdirSync(..., { recursive: true })`, which spins forever on paths it can
 * never create, such as ones under /proc.
 */
const makeDirectories = (dir: string): void => {
  try {
    if (statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  mkdirSync(dir);
};

/** HS256 with JWT_SECRET (embedded: a development secret kept in DATA_DIR), or RS256 with the JWKS URL. */
const authSettingsFor = (config: RuntimeConfig, embedded: boolean): AuthSettings => {
  const checks = { issuer: config.jwtIssuer, audience: config.jwtAudience };
  if (config.jwtAlgorithm === 'RS256') return { algorithm: 'RS256', jwks: new JwksKeySource({ url: config.jwtJwksUrl as string, minRefetchIntervalMs: config.jwtJwksMinRefetchMs }), ...checks };
  const secret = config.jwtSecret ?? (embedded ? developmentSecret(config.dataDir) : undefined);
  if (!secret) throw new StartupError('JWT_SECRET is required (this service runs in distributed mode), or JWT_ALGORITHM=RS256 with JWT_JWKS_URL');
  return { algorithm: 'HS256', hs256Secret: secret, ...checks };
};

/** The embedded app's signing secret when JWT_SECRET is unset: made once, kept in DATA_DIR (0600). */
export const developmentSecret = (dataDir: string): string => {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
};

/** A 30-day admin token for tenant "default", written to DATA_DIR/dev-token for the developer. */
const writeDevelopmentToken = (dataDir: string): { token: string; file: string } => {
  const token = signHs256({ sub: 'dev-admin', tenant: 'default', roles: ['admin'] }, developmentSecret(dataDir), { expiresInSeconds: 30 * 24 * 3600 });
  const file = join(dataDir, 'dev-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
};

/** Embedded mode's dead letters: events a consumer gave up on, kept for inspection and replay. */
const deadLetterTable = async (pool: Pool, service: string): Promise<DeadLetterSink> => {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS event_bus;
    CREATE TABLE IF NOT EXISTS event_bus.dead_letters (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      event jsonb NOT NULL,
      error text NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
  return async (consumer, event, error, tx) => {
    const message = String((error as Error)?.message ?? error).slice(0, 2000);
    console.error(`${service}: ${consumer} gave up on ${event.type} ${event.id}, kept in event_bus.dead_letters: ${message}`);
    await (tx ?? pool).query('INSERT INTO event_bus.dead_letters (consumer, event_id, event, error) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      consumer,
      event.id,
      JSON.stringify(event),
      message,
    ]);
  };
};

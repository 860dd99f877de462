/* eslint-disable no-console */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
// Jest loads global set-up files without its module mapper, so the alias cannot be used here; the
// file imported has no framework dependencies.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startEmbeddedPostgres } from '../../libs/platform/src/embedded-postgres';

/**
 * Provides the infrastructure every project's tests may use, once per Jest run:
 * - PostgreSQL: DATABASE_URL, else an embedded server in .data/test-postgres.
 * - Kafka: KAFKA_BROKERS, else testcontainers where Docker runs, else a broker started from Maven
 *   Central jars by infra/kafka/start.sh (left running for the next run; `npm run kafka:stop`).
 * - KurrentDB: KURRENTDB_URL, else testcontainers where Docker runs.
 * What cannot be had is recorded with its reason for the tests to report; under REQUIRE_INFRA=1 a
 * missing PostgreSQL or Kafka fails the run here.
 */
const root = join(__dirname, '..', '..');
const required = process.env.REQUIRE_INFRA === '1';
type Teardown = () => Promise<void>;
const teardowns: Teardown[] = [];

export default async function globalSetup(): Promise<void> {
  (globalThis as { __CRM_TEARDOWNS__?: Teardown[] }).__CRM_TEARDOWNS__ = teardowns;
  await providePostgres();
  await provideKafka();
  await provideKurrentDb();
}

async function providePostgres() {
  if (process.env.DATABASE_URL) {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (error) {
      throw new Error(`DATABASE_URL is set but PostgreSQL does not answer: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    return;
  }
  const embedded = await startEmbeddedPostgres({ dataDir: join(root, '.data', 'test-postgres'), database: 'crm_test' });
  process.env.DATABASE_URL = embedded.url;
  teardowns.push(embedded.stop);
}

async function provideKafka() {
  if (process.env.KAFKA_BROKERS) return;
  let reason: string;
  if (dockerAvailable()) {
    try {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const container = await new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start();
      process.env.KAFKA_BROKERS = `${container.getHost()}:${container.getMappedPort(9093)}`;
      teardowns.push(async () => void (await container.stop()));
      return;
    } catch (error) {
      reason = `testcontainers could not start Kafka: ${(error as Error).message}`;
    }
  } else if (await answersAsKafka(localBroker)) {
    // A broker from another checkout's infra/kafka (or any Kafka) already serves the default port.
    process.env.KAFKA_BROKERS = localBroker;
    return;
  } else if (commandExists('java') && commandExists('mvn')) {
    const result = spawnSync('bash', [join(root, 'infra', 'kafka', 'start.sh')], { encoding: 'utf8', timeout: 600_000 });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (result.status === 0 && line.startsWith('KAFKA_BROKERS=')) {
      process.env.KAFKA_BROKERS = line.slice('KAFKA_BROKERS='.length);
      return;
    }
    reason = `infra/kafka/start.sh failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  } else {
    reason = 'no KAFKA_BROKERS, no Docker engine, and no java+mvn to run a local broker';
  }
  if (required) throw new Error(`REQUIRE_INFRA=1 but Kafka is unavailable: ${reason}`);
  process.env.CRM_TEST_KAFKA_UNAVAILABLE = reason;
  console.warn(`\n[infra] Kafka tests will be skipped: ${reason}`);
}

const localBroker = `127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`;

/** True when a Kafka broker answers metadata requests at `broker` within a few seconds. */
async function answersAsKafka(broker: string): Promise<boolean> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers: [broker], clientId: 'crm-test-probe', logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function provideKurrentDb() {
  if (process.env.KURRENTDB_URL) return;
  if (!dockerAvailable()) {
    process.env.CRM_TEST_KURRENTDB_UNAVAILABLE = 'no KURRENTDB_URL and no Docker engine for testcontainers (KurrentDB cannot run on this machine otherwise)';
    return;
  }
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('docker.kurrent.io/kurrent-latest/kurrentdb:25.1')
      .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None', KURRENTDB_MEM_DB: 'true' })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start();
    process.env.KURRENTDB_URL = `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    teardowns.push(async () => void (await container.stop()));
  } catch (error) {
    process.env.CRM_TEST_KURRENTDB_UNAVAILABLE = `testcontainers could not start KurrentDB: ${(error as Error).message}`;
  }
}

function dockerAvailable(): boolean {
  if (process.env.DOCKER_HOST) return true;
  if (!existsSync('/var/run/docker.sock')) return false;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function commandExists(command: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

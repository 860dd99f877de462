import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/**
 * The infrastructure the Jest global set-up provided. Tests that need a piece ask for it here: when
 * it is missing they are reported as skipped with the reason, unless REQUIRE_INFRA=1 (CI), where
 * the set-up already failed the run for PostgreSQL and Kafka.
 */
export type InfraPiece = 'postgres' | 'kafka' | 'kurrentdb';

export const infraUnavailableReason = (piece: InfraPiece): string | undefined => {
  switch (piece) {
    case 'postgres':
      return process.env.DATABASE_URL ? undefined : (process.env.CRM_TEST_POSTGRES_UNAVAILABLE ?? 'DATABASE_URL is not set');
    case 'kafka':
      return process.env.KAFKA_BROKERS ? undefined : (process.env.CRM_TEST_KAFKA_UNAVAILABLE ?? 'KAFKA_BROKERS is not set');
    case 'kurrentdb':
      return process.env.KURRENTDB_URL ? undefined : (process.env.CRM_TEST_KURRENTDB_UNAVAILABLE ?? 'KURRENTDB_URL is not set');
    default: {
      const unreachable: never = piece;
      return unreachable;
    }
  }
};

/** `describe` when the pieces are there; otherwise a skipped block whose title carries the reason. */
export const describeWithInfra = (pieces: InfraPiece[], title: string, body: () => void): void => {
  const missing = pieces.map((piece) => [piece, infraUnavailableReason(piece)] as const).filter(([, reason]) => reason);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = missing.map(([piece, why]) => `${piece}: ${why}`).join('; ');
  const required = process.env.REQUIRE_INFRA === '1' && missing.some(([piece]) => piece !== 'kurrentdb');
  if (required) {
    describe(title, () => {
      it('has its infrastructure (REQUIRE_INFRA=1)', () => {
        throw new Error(`required infrastructure missing: ${reason}`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`[skipped] ${title}: ${reason}`);
  describe.skip(`${title} [skipped: ${reason}]`, body);
};

export const databaseUrl = (): string => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the Jest global set-up provides it');
  return url;
};

export const kafkaBrokers = (): string[] => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the Jest global set-up provides it');
  return brokers.split(',').map((broker) => broker.trim());
};

/** A unique lowercase name for throw-away schemas, topics and groups. */
export const uniqueName = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/**
 * The highest position committed to a PostgreSQL store's log, whatever transactions are still in
 * flight. `headPosition()` is the highest position a subscription may safely read up to, and any
 * open transaction on the server (another test file's, another database's) holds it back: a test
 * that waits for "everything appended so far" waits for this one.
 */
export const committedHead = async (pool: Pool, schema: string): Promise<number> =>
  Number((await pool.query<{ p: string }>(`SELECT coalesce(max(global_position), 0) AS p FROM "${schema}".events`)).rows[0].p);

/** What deleting topics needs of a kafkajs client (structural: this lib does not depend on kafkajs). */
type TopicAdmin = {
  connect: () => Promise<void>;
  listTopics: () => Promise<string[]>;
  deleteTopics: (options: { topics: string[] }) => Promise<void>;
  disconnect: () => Promise<void>;
};

/** Deletes a test's own Kafka topics, those whose names start with `prefix`; best effort. */
export const deleteTopicsWithPrefix = async (kafka: { admin: () => TopicAdmin }, prefix: string): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
};

/** A pool plus a fresh schema, dropped again by `drop()`. */
export const createTestSchema = async (prefix = 't'): Promise<{ pool: Pool; schema: string; drop: () => Promise<void> }> => {
  const pool = new Pool({ connectionString: databaseUrl(), max: 20 });
  pool.on('error', () => undefined); // idle connections terminated by a test; queries report it
  const schema = uniqueName(prefix).toLowerCase();
  await pool.query(`CREATE SCHEMA "${schema}"`);
  return {
    pool,
    schema,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
};

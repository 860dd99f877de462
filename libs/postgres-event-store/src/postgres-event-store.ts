import { EventEnvelope, EventMetadata, NewEvent, categoryOf, isUuid } from '@crm/contracts';
import {
  AppendResult,
  ChainVerification,
  DuplicateEventIdError,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  SubscriptionOptions,
  UpcastFn,
  VerifyChainOptions,
  WrongExpectedRevisionError,
  startPollingSubscription,
  createSubscriptionRegistry,
} from '@crm/event-sourcing';
import type { Pool, PoolClient } from 'pg';
import { canonicalEventParts, canonicalJson, createChainChecker } from './event-hash';
import { quoteIdent, schemaSql } from './schema';

export type PostgresEventStoreOptions = {
  pool: Pool;
  /** Schema holding the store's tables (default `event_store`). */
  schema?: string;
  upcast?: UpcastFn;
  /** How often an idle subscription looks for events written by other processes. */
  idlePollMs?: number;
  /** Rows `verifyChain` reads per query. */
  verifyBatchSize?: number;
};

type EventRow = {
  global_position: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
  recorded_at: Date;
  hash: string | null;
};

type VerifyRow = Omit<EventRow, 'global_position' | 'recorded_at'> & { tenant_id: string; stream_revision: string };

const eventColumns = 'global_position, event_id, stream_id, revision, type, schema_version, data, metadata, occurred_at, recorded_at, hash';

/** Only events of transactions that have finished: see README for why this is gap-free. */
const visible = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

export type PostgresEventStore = EventStore & {
  readonly schema: string;
  /** Creates the schema, tables and functions if missing. Safe to call from several processes. */
  migrate: () => Promise<void>;
};

export const createPostgresEventStore = (options: PostgresEventStoreOptions): PostgresEventStore => {
  const { pool } = options;
  const schemaName = options.schema ?? 'event_store';
  const s = quoteIdent(schemaName);
  const upcast = options.upcast ?? ((event: EventEnvelope) => event);
  const idlePollMs = options.idlePollMs ?? 250;
  const registry = createSubscriptionRegistry();

  const toEnvelope = (row: EventRow): EventEnvelope =>
    upcast({
      id: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      streamId: row.stream_id,
      revision: Number(row.revision),
      globalPosition: Number(row.global_position),
      occurredAt: row.occurred_at.toISOString(),
      recordedAt: row.recorded_at.toISOString(),
      metadata: row.metadata,
      data: row.data,
      ...(row.hash === null ? {} : { hash: row.hash }),
    });

  const readAll = async ({ after, maxCount, categories }: ReadAllOptions, client: Pick<Pool, 'query'> = pool): Promise<EventEnvelope[]> => {
    const { rows } = categories
      ? await client.query<EventRow>(
          `SELECT ${eventColumns} FROM ${s}.events WHERE global_position > $1 AND category = ANY($3) AND ${visible} ORDER BY global_position LIMIT $2`,
          [after, maxCount, categories],
        )
      : await client.query<EventRow>(`SELECT ${eventColumns} FROM ${s}.events WHERE global_position > $1 AND ${visible} ORDER BY global_position LIMIT $2`, [
          after,
          maxCount,
        ]);
    return rows.map(toEnvelope);
  };

  const append = async (streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> => {
    if (events.length === 0) throw new Error('nothing to append');
    // The hashed content must be what a later read returns: ids as PostgreSQL writes uuids, times
    // as the millisecond instants read back, data and metadata as they come out of jsonb.
    const prepared = events.map((event) => {
      if (!isUuid(event.id)) throw new Error(`event id ${event.id} is not a UUID`);
      const occurred = new Date(event.occurredAt);
      if (Number.isNaN(occurred.getTime())) throw new Error(`event ${event.id} has an invalid occurredAt: ${event.occurredAt}`);
      const content = {
        eventId: event.id.toLowerCase(),
        streamId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        occurredAt: occurred.toISOString(),
        metadata: event.metadata,
        data: event.data ?? null,
      };
      return { content, parts: canonicalEventParts(content) };
    });
    const { rows } = await pool.query<{ event_id: string; revision: string; global_position: string; recorded_at: Date; hash: string | null }>(
      `SELECT * FROM ${s}.append_events($1, $2, $3, $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[], $10::timestamptz[], $11::text[], $12::text[])`,
      [
        streamId,
        categoryOf(streamId),
        String(expectedRevision),
        prepared.map(({ content }) => content.eventId),
        prepared.map(({ content }) => content.type),
        prepared.map(({ content }) => content.schemaVersion),
        prepared.map(({ content }) => canonicalJson(content.data)),
        prepared.map(({ content }) => canonicalJson(content.metadata)),
        events.map((event) => event.metadata.tenantId),
        prepared.map(({ content }) => content.occurredAt),
        prepared.map(({ parts }) => parts[0]),
        prepared.map(({ parts }) => parts[1]),
      ],
    );
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    const stored = events.map((event): EventEnvelope => {
      const row = byId.get(event.id.toLowerCase());
      if (!row) throw new Error(`append of ${streamId} returned no row for event ${event.id}`);
      return upcast({
        ...event,
        occurredAt: new Date(event.occurredAt).toISOString(),
        streamId,
        revision: Number(row.revision),
        globalPosition: Number(row.global_position),
        recordedAt: row.recorded_at.toISOString(),
        ...(row.hash === null ? {} : { hash: row.hash }),
      });
    });
    const last = stored[stored.length - 1];
    registry.wake();
    return { nextRevision: last.revision, position: last.globalPosition, events: stored };
  };

  /**
   * Walks the events in (stream, revision) order by keyset over the (stream_id, revision) unique
   * index, a batch per query, so that a whole store is verified in bounded memory. A tenant's walk
   * filters rows by the tenant column: a row moved to another tenant shows as a gap in the stream.
   */
  const verifyChain = async (verifyOptions: VerifyChainOptions): Promise<ChainVerification> => {
    const { streamId, tenantId } = verifyOptions;
    if ((streamId === undefined) !== (verifyOptions.all === true)) throw new Error('verifyChain needs either a streamId or all: true');
    const batchSize = options.verifyBatchSize ?? 1000;
    const checker = createChainChecker();
    let after: [string, number] = [streamId ?? '', -1];
    for (;;) {
      const params: unknown[] = [after[0], after[1], batchSize];
      const conditions = [streamId === undefined ? '(e.stream_id, e.revision) > ($1, $2)' : 'e.stream_id = $1 AND e.revision > $2'];
      if (tenantId !== undefined) conditions.push(`e.tenant_id = $${params.push(tenantId)}`);
      const { rows } = await pool.query<VerifyRow>(
        `SELECT e.event_id, e.stream_id, e.revision, e.type, e.schema_version, e.data, e.metadata, e.tenant_id, e.occurred_at, e.hash,
                coalesce(st.revision, -1) AS stream_revision
           FROM ${s}.events e LEFT JOIN ${s}.streams st ON st.stream_id = e.stream_id
          WHERE ${conditions.join(' AND ')}
          ORDER BY e.stream_id, e.revision LIMIT $3`,
        params,
      );
      for (const row of rows) {
        const found = checker.check({
          eventId: row.event_id,
          streamId: row.stream_id,
          revision: Number(row.revision),
          type: row.type,
          schemaVersion: row.schema_version,
          occurredAt: row.occurred_at.toISOString(),
          metadata: row.metadata,
          data: row.data,
          tenantId: row.tenant_id,
          hash: row.hash,
          streamRevision: Number(row.stream_revision),
        });
        if (found) return checker.result(found);
      }
      if (rows.length < batchSize) return checker.result(checker.finish());
      const last = rows[rows.length - 1];
      after = [last.stream_id, Number(last.revision)];
    }
  };

  const store: PostgresEventStore = {
    schema: schemaName,

    migrate: async () => {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`${schemaName}.migrate`]);
        try {
          await client.query(schemaSql(schemaName));
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`${schemaName}.migrate`]);
        }
      } finally {
        client.release();
      }
    },

    appendToStream: async (streamId, events, { expectedRevision = 'any' } = {}) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await append(streamId, events, expectedRevision);
        } catch (error) {
          const pgError = error as { code?: string; detail?: string; constraint?: string };
          if (pgError.code === 'ES001') throw new WrongExpectedRevisionError(streamId, expectedRevision, Number(pgError.detail));
          if (pgError.code === 'ES002') throw new DuplicateEventIdError((pgError.detail ?? '').split(',').filter(Boolean));
          // Same id raced in from a concurrent append to another stream: the re-check decides.
          if (pgError.code === '23505' && pgError.constraint === 'events_event_id_key' && attempt < 2) continue;
          throw error;
        }
      }
    },

    readStream: async (streamId, { fromRevision = 0, maxCount } = {}) => {
      // One statement, one snapshot: the events and the stream's revision always agree.
      const { rows } = await pool.query<EventRow & { stream_revision: string }>(
        `SELECT st.revision AS stream_revision, e.*
           FROM ${s}.streams st
           LEFT JOIN LATERAL (
             SELECT ${eventColumns} FROM ${s}.events ev
              WHERE ev.stream_id = st.stream_id AND ev.revision >= $2 ORDER BY ev.revision ${maxCount === undefined ? '' : 'LIMIT $3'}
           ) e ON true
          WHERE st.stream_id = $1`,
        maxCount === undefined ? [streamId, fromRevision] : [streamId, fromRevision, maxCount],
      );
      if (rows.length === 0) return { events: [], revision: -1 };
      return { events: rows.filter((row) => row.event_id !== null).map(toEnvelope), revision: Number(rows[0].stream_revision) };
    },

    readAll: (readOptions) => readAll(readOptions),

    headPosition: async () => {
      const { rows } = await pool.query<{ global_position: string }>(
        `SELECT global_position FROM ${s}.events WHERE ${visible} ORDER BY global_position DESC LIMIT 1`,
      );
      return rows.length ? Number(rows[0].global_position) : 0;
    },

    subscribe: async (subscription: SubscriptionOptions) => {
      const stored = await pool.query<{ position: string }>(`SELECT position FROM ${s}.subscription_checkpoints WHERE name = $1`, [subscription.name]);
      let start = stored.rows.length ? Number(stored.rows[0].position) : 0;
      if (!stored.rows.length) {
        if (subscription.startFrom === 'end') start = await store.headPosition();
        await pool.query(`INSERT INTO ${s}.subscription_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [subscription.name, start]);
        start = Number((await pool.query<{ position: string }>(`SELECT position FROM ${s}.subscription_checkpoints WHERE name = $1`, [subscription.name])).rows[0].position);
      }
      const handle = startPollingSubscription(
        {
          readBatch: (after, max) => readAll({ after, maxCount: max, categories: subscription.categories }),
          headPosition: subscription.categories ? () => store.headPosition() : undefined,
          deliver: (events, from) =>
            subscription.transactional === false ? deliverThenCheckpoint(pool, s, subscription, events, from) : deliverInTransaction(pool, s, subscription, events, from),
          waitForChange: registry.waitForChange,
        },
        {
          name: subscription.name,
          startAfter: start,
          batchSize: subscription.batchSize ?? 200,
          // A wake-up can come while an older transaction still holds the log back; poll soon after.
          idlePollMs,
          onError: subscription.onError,
        },
      );
      return registry.track(handle);
    },

    verifyChain: (verifyOptions) => verifyChain(verifyOptions),

    close: async () => {
      await registry.stopAll();
    },
  };
  return store;
};

/**
 * Runs the handler and moves the checkpoint in one transaction. The subscription's advisory lock
 * (which, unlike a row lock, assigns no transaction id, so readers are not held back before the
 * handler writes) keeps two instances of it apart: if another one moved the checkpoint meanwhile,
 * this batch is not applied and the loop re-reads from the stored checkpoint.
 */
const deliverInTransaction = async (pool: Pool, s: string, subscription: SubscriptionOptions, events: EventEnvelope[], from: number): Promise<number> => {
  const last = events[events.length - 1].globalPosition;
  const client: PoolClient = await pool.connect();
  let broken = false;
  // A connection that dies mid-batch (server restart, terminated backend) surfaces as a failed
  // query below; the client's own 'error' event must not crash the process.
  const onConnectionError = () => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${s}.subscription/${subscription.name}`]);
    const { rows } = await client.query<{ position: string }>(`SELECT position FROM ${s}.subscription_checkpoints WHERE name = $1`, [subscription.name]);
    const stored = Number(rows[0]?.position ?? 0);
    if (stored >= events[0].globalPosition) {
      // Another instance of this subscription handled this batch already.
      await client.query('ROLLBACK');
      return Math.max(stored, from);
    }
    await subscription.handler(events, { subscriptionName: subscription.name, tx: client });
    await client.query(`UPDATE ${s}.subscription_checkpoints SET position = $2, updated_at = now() WHERE name = $1`, [subscription.name, last]);
    await client.query('COMMIT');
    return last;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
};

/**
 * At-least-once delivery for handlers whose effects are idempotent appends: handle, then move the
 * checkpoint only if it is still where this batch started (a crash in between redelivers).
 */
const deliverThenCheckpoint = async (pool: Pool, s: string, subscription: SubscriptionOptions, events: EventEnvelope[], from: number): Promise<number> => {
  const first = events[0].globalPosition;
  const stored = Number((await pool.query<{ position: string }>(`SELECT position FROM ${s}.subscription_checkpoints WHERE name = $1`, [subscription.name])).rows[0]?.position ?? 0);
  if (stored >= first) return Math.max(stored, from);
  await subscription.handler(events, { subscriptionName: subscription.name });
  const last = events[events.length - 1].globalPosition;
  await pool.query(`UPDATE ${s}.subscription_checkpoints SET position = $2, updated_at = now() WHERE name = $1 AND position < $2`, [subscription.name, last]);
  return last;
};

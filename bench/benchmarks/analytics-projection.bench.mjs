// The analytics read models over a generated CRM history (one tenant, 2025-01-01 to mid-2026, two
// currencies): loading it into the PostgreSQL event store, rebuilding every read model from the
// whole log, and the report queries over one quarter. Sized for the target machine, 2 cores and
// 24 GiB with PostgreSQL on the same host: the default 1,000,000 events took 13 minutes there
// (7 of them appending, 4 rebuilding). BENCH_ANALYTICS_EVENTS sets another count (20000 is enough
// while editing this file).
//
// Baselines, measured in the same run against the same server:
// - load and rebuild: a raw INSERT of the same envelopes, 5,000 rows per statement through
//   jsonb_to_recordset (the statement shape the projector writes with), into a copy of event_log
//   with its indexes, in one transaction as the rebuild is. The ratio says what appending with the
//   store's guarantees, or projecting, costs over merely storing the events.
// - queries: a trivial indexed SELECT over the same range of the table the query mostly reads; for
//   the audit, the same first page read raw: event_log rows of the range in the audit's order,
//   (occurred_at, origin_position, event_id), which its index covers.
//
// PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test, else an embedded server
// in a temporary directory; everything lives in a fresh schema dropped at the end, also on failure.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { dist, log, newPool, onInterrupt, postgres, scratchSchema, seconds, writerOf } from '../support/infra.mjs';

const require = createRequire(import.meta.url);
require('reflect-metadata'); // the TypeORM entities' decorators need it before they load
const { categoryOf } = dist('libs/contracts/src/streams.js');
const { generateCrmHistory } = dist('libs/testing/src/crm-history.js');
const { createPostgresEventStore } = dist('libs/postgres-event-store/src/index.js');
const { AnalyticsQueries, analyticsSchemaSql, createAnalyticsDataSource, projectedTables, rebuildReadModels } = dist('libs/analytics/service/src/index.js');

export const name = 'analytics projection';

const eventCount = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 1_000_000);
// Each append is its own transaction and mostly waits for its commit's WAL flush: more writers than
// cores share those flushes. On two cores eight load about twice as fast as four; sixteen add little.
const writers = 8;
const batchSize = 5_000;
const progressEvery = 100_000;
const tenantId = 'tenant-bench';
const quarter = { from: new Date('2026-01-01T00:00:00.000Z'), to: new Date('2026-04-01T00:00:00.000Z') };

const rate = (events, ms) => Math.round(events / Math.max(ms / 1000, 1e-6));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// --- load ----------------------------------------------------------------------------------------

/**
 * Appends the generated history chunk by chunk. Within a chunk each writer owns the streams that
 * hash to it and appends, in generated order, a run of one stream's consecutive events per call;
 * chunks follow one another, so every stream's events arrive in order. Generating is timed apart.
 */
const loadHistory = async (store) => {
  const chunkSize = progressEvery / 2;
  const history = generateCrmHistory({ seed: 2026, tenantId, events: eventCount, currencies: ['EUR', 'USD'] });
  let loaded = 0;
  let appends = 0;
  let generateMs = 0;
  let appendMs = 0;
  let lastOccurred = 0;
  let nextProgress = progressEvery;
  for (let exhausted = false; !exhausted; ) {
    const generating = performance.now();
    const shares = Array.from({ length: writers }, () => []);
    let size = 0;
    while (size < chunkSize) {
      const next = history.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const { streamId, event } = next.value;
      lastOccurred = Math.max(lastOccurred, Date.parse(event.occurredAt));
      const runs = shares[writerOf(streamId, writers)];
      const last = runs[runs.length - 1];
      if (last && last.streamId === streamId) last.events.push(event);
      else runs.push({ streamId, events: [event] });
      size++;
    }
    generateMs += performance.now() - generating;
    if (size === 0) break;
    const appending = performance.now();
    await Promise.all(
      shares.map(async (runs) => {
        for (const run of runs) await store.appendToStream(run.streamId, run.events);
      }),
    );
    appendMs += performance.now() - appending;
    appends += shares.reduce((sum, runs) => sum + runs.length, 0);
    loaded += size;
    if (loaded >= nextProgress || exhausted) {
      log(`load: ${loaded} events appended, ${rate(loaded, appendMs)}/s (${seconds(appendMs)} appending, ${seconds(generateMs)} generating)`);
      nextProgress += progressEvery;
    }
  }
  return { loaded, appends, appendMs, generateMs, lastOccurred: new Date(lastOccurred) };
};

// --- raw INSERT baseline -------------------------------------------------------------------------

const logColumns = [
  ['event_id', 'uuid'], ['tenant_id', 'text'], ['stream_id', 'text'], ['category', 'text'], ['type', 'text'], ['schema_version', 'int'], ['revision', 'bigint'],
  ['origin_position', 'bigint'], ['occurred_at', 'timestamptz'], ['recorded_at', 'timestamptz'], ['actor_id', 'text'], ['actor_role', 'text'],
  ['correlation_id', 'text'], ['causation_id', 'text'], ['traceparent', 'text'], ['data', 'jsonb'],
];
const logRow = (event) => ({
  event_id: event.id,
  tenant_id: event.metadata.tenantId,
  stream_id: event.streamId,
  category: categoryOf(event.streamId),
  type: event.type,
  schema_version: event.schemaVersion,
  revision: event.revision,
  origin_position: event.globalPosition,
  occurred_at: event.occurredAt,
  recorded_at: event.recordedAt,
  actor_id: event.metadata.actor.id,
  actor_role: event.metadata.actor.role,
  correlation_id: event.metadata.correlationId,
  causation_id: event.metadata.causationId,
  traceparent: event.metadata.traceparent ?? null,
  data: event.data,
});

/** Reads the store as the rebuild does and inserts each batch, timing the INSERTs alone. */
const rawInsert = async (pool, schema, store) => {
  const table = `${schema}.event_log_raw`;
  await pool.query(`CREATE TABLE ${table} (LIKE ${schema}.event_log INCLUDING ALL)`);
  const names = logColumns.map(([column]) => column).join(', ');
  const definition = logColumns.map(([column, type]) => `${column} ${type}`).join(', ');
  const client = await pool.connect();
  let inserted = 0;
  let insertMs = 0;
  let readMs = 0;
  try {
    await client.query('BEGIN');
    for (let after = 0; ; ) {
      const reading = performance.now();
      const events = await store.readAll({ after, maxCount: batchSize });
      readMs += performance.now() - reading;
      if (events.length === 0) break;
      const inserting = performance.now();
      await client.query(`INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${definition})`, [JSON.stringify(events.map(logRow))]);
      insertMs += performance.now() - inserting;
      inserted += events.length;
      after = events[events.length - 1].globalPosition;
    }
    const committing = performance.now();
    await client.query('COMMIT');
    insertMs += performance.now() - committing;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await pool.query(`DROP TABLE ${table}`);
  return { inserted, insertMs, readMs };
};

// --- queries -------------------------------------------------------------------------------------

const timed = async (fn) => {
  await fn(); // warm-up
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await fn();
    runs.push(performance.now() - started);
  }
  return median(runs);
};

const queryCases = (queries, pool, schema) => {
  const range = [tenantId, quarter.from.toISOString(), quarter.to.toISOString()];
  const baselines = {
    deals: {
      name: 'count+sum deals opened in range',
      run: () => pool.query(`SELECT count(*), sum(amount_minor) FROM ${schema}.deals WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3`, range),
    },
    dealEvents: {
      name: 'count+sum deal_events in range',
      run: () => pool.query(`SELECT count(*), sum(amount_after_minor) FROM ${schema}.deal_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3`, range),
    },
    eventLog: {
      name: 'first 101 event_log rows in range by (occurred_at, origin_position, event_id)',
      run: () =>
        pool.query(`SELECT * FROM ${schema}.event_log WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, origin_position, event_id LIMIT 101`, range),
    },
  };
  return [
    ['kpis 2026-Q1', baselines.deals, () => queries.kpis(tenantId, quarter)],
    ['kpis 2026-Q1 by owner', baselines.deals, () => queries.kpis(tenantId, quarter, 'owner')],
    ['funnel 2026-Q1', baselines.deals, () => queries.funnel(tenantId, quarter)],
    ['productReport 2026-Q1', baselines.deals, () => queries.productReport(tenantId, quarter)],
    ['ownerReport 2026-Q1', baselines.deals, () => queries.ownerReport(tenantId, quarter)],
    ['stageDurations 2026-Q1', baselines.dealEvents, () => queries.stageDurations(tenantId, quarter)],
    ['targets 2026-Q1', baselines.deals, () => queries.targets(tenantId, '2026-Q1')],
    ['pipelineAsOf 2026-04-01 (500 deals)', baselines.dealEvents, () => queries.pipelineAsOf(tenantId, quarter.to, { limit: 500 })],
    ['pipelineChanges 2026-Q1', baselines.dealEvents, () => queries.pipelineChanges(tenantId, quarter)],
    ['audit 2026-Q1 (page of 100)', baselines.eventLog, () => queries.audit(tenantId, { range: quarter, limit: 100 })],
  ].map(([label, baseline, query]) => ({ label, baseline, query }));
};

// --- run -----------------------------------------------------------------------------------------

export const run = async () => {
  const server = await postgres('analytics');
  if (server.error) {
    log(`skipped: ${server.error}`);
    return [{ case: 'skipped: no PostgreSQL', measure: '-', value: 1, baselineName: 'n/a', baseline: 1, note: server.error }];
  }
  // Sessions tagged with the schema's name, so that cleaning up (also on Ctrl-C) ends only this run's.
  const { schema, applicationName, drop: dropSchema } = scratchSchema(server.url, 'bench_analytics');
  const pool = newPool({ connectionString: server.url, max: writers + 2, application_name: applicationName });
  const removeInterruptGuard = onInterrupt(async () => {
    await dropSchema();
    await server.stop();
  });

  let store;
  let dataSource;
  const started = performance.now();
  try {
    log(`PostgreSQL: ${server.where}; schema ${schema}; ${eventCount} events, ${writers} writers`);
    await pool.query(`CREATE SCHEMA ${schema}`);
    store = createPostgresEventStore({ pool, schema });
    await store.migrate();
    await pool.query(analyticsSchemaSql(schema));

    const load = await loadHistory(store);
    log(`load: done, ${load.loaded} events in ${load.appends} appends, ${seconds(load.appendMs)}`);

    const raw = await rawInsert(pool, schema, store);
    const rawRate = rate(raw.inserted, raw.insertMs);
    log(`raw INSERT: ${raw.inserted} rows in ${seconds(raw.insertMs)} (reading the store took ${seconds(raw.readMs)} more)`);

    dataSource = await createAnalyticsDataSource(pool, schema);
    const rebuilding = performance.now();
    let nextProgress = progressEvery;
    const rebuilt = await rebuildReadModels({
      dataSource,
      schema,
      store,
      source: 'store',
      batchSize,
      onProgress: ({ applied, total }) => {
        if (applied < nextProgress && applied < total) return;
        nextProgress = applied + progressEvery;
        log(`rebuild: ${applied} of ${total} events, ${rate(applied, performance.now() - rebuilding)}/s`);
      },
    });
    const rebuildMs = performance.now() - rebuilding;
    // What autovacuum does soon after a bulk write: statistics for the planner, a visibility map for
    // index-only scans. Without it the first plans are made blind.
    const vacuuming = performance.now();
    for (const table of [...projectedTables, 'event_log']) await pool.query(`VACUUM ANALYZE ${schema}.${table}`);
    log(`rebuild: done, ${rebuilt.applied} events in ${seconds(rebuildMs)}; VACUUM ANALYZE ${seconds(performance.now() - vacuuming)}`);

    const { rows: sizes } = await pool.query(
      `SELECT (SELECT count(*) FROM ${schema}.deals WHERE tenant_id = $1)::int AS deals, (SELECT count(*) FROM ${schema}.deal_events WHERE tenant_id = $1)::int AS deal_events,
              (SELECT count(*) FROM ${schema}.leads WHERE tenant_id = $1)::int AS leads, (SELECT count(*) FROM ${schema}.tasks WHERE tenant_id = $1)::int AS tasks`,
      [tenantId],
    );
    const size = sizes[0];
    log(`read models: ${size.leads} leads, ${size.deals} deals, ${size.deal_events} deal events, ${size.tasks} tasks`);

    // The clock the queries see is the end of the generated history, so the answers do not drift with the date.
    const queries = new AnalyticsQueries(dataSource, schema, () => load.lastOccurred);
    const events = `${load.loaded.toLocaleString('en-US')} events`;
    const rows = [
      {
        case: `${events}, ${writers} writers`,
        measure: 'load events/s (appendToStream)',
        value: rate(load.loaded, load.appendMs),
        baselineName: 'raw INSERT events/s (jsonb_to_recordset, 5,000 per statement)',
        baseline: rawRate,
        note: `${load.appends} appends, ${seconds(load.appendMs)}; generating ${seconds(load.generateMs)} not counted`,
      },
      {
        case: events,
        measure: 'rebuild events/s (batches of 5,000)',
        value: rate(rebuilt.applied, rebuildMs),
        baselineName: 'raw INSERT events/s (jsonb_to_recordset, 5,000 per statement)',
        baseline: rawRate,
        note: `${seconds(rebuildMs)}, reading the store included (${seconds(raw.readMs)} of reads in the baseline pass)`,
      },
    ];
    for (const { label, baseline, query } of queryCases(queries, pool, schema)) {
      const value = await timed(query);
      const baselineMs = await timed(baseline.run);
      log(`query ${label}: ${value.toFixed(1)} ms (baseline ${baselineMs.toFixed(2)} ms)`);
      rows.push({ case: label, measure: 'ms (median of 5)', value, baselineName: baseline.name, baseline: baselineMs });
    }
    log(`wall time ${seconds(performance.now() - started)}`);
    return rows;
  } finally {
    removeInterruptGuard();
    await dataSource?.destroy().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await dropSchema().catch((error) => log(`could not drop ${schema}: ${error.message}`));
    await server.stop();
  }
};

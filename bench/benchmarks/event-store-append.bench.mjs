// Append throughput of the PostgreSQL event store: one event per appendToStream call, as one
// command appends, from 1, 8 and 32 concurrent writers, on a new stream per command ("distinct")
// and on four streams shared by all writers ("4 streams", where appends to a stream queue on its lock).
//
// Baselines, measured in the same run against the same server, each writer count alike:
// - raw INSERT: one autocommitted single-row INSERT per event into a copy of the store's events
//   table (CREATE TABLE ... LIKE ... INCLUDING ALL: same columns, primary key, unique and category
//   indexes), revision counted in JS, a precomputed hash. What merely storing the row costs; the
//   store adds the duplicate check, the expected-revision check, the stream row, the hash chain
//   and the global-position lock.
// - Emmett (@event-driven-io/emmett-postgresql): its appendToStream with the same payload, in a
//   throwaway database (its tables are not schema-qualified). Without an expected version Emmett
//   rejects an append that lost a race on the same stream; those are retried and counted.
//
// Each case runs its writers for BENCH_APPEND_SECONDS (default 4) after a 0.5 s warm-up and counts
// the appends completed in between; the three run in turn, the store first, within each case. PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test,
// else an embedded server; a fresh schema and database, both dropped at the end, also on failure.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { adminQuery, dist, log, newPool, onInterrupt, percentile, postgres, seconds, skipped, sleep, withDatabase } from '../support/infra.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { createPostgresEventStore } = dist('libs/postgres-event-store/src/index.js');

export const name = 'event store append';

const measureMs = Number(process.env.BENCH_APPEND_SECONDS ?? 4) * 1000;
const warmUpMs = 500;
const sharedStreams = 4;
const cases = [
  { writers: 1, streams: 'distinct' },
  { writers: 8, streams: 'distinct' },
  { writers: 32, streams: 'distinct' },
  { writers: 8, streams: 'shared' },
  { writers: 32, streams: 'shared' },
];
const maxWriters = Math.max(...cases.map((c) => c.writers));
const tenantId = 'tenant-bench';

/** A LeadCaptured as the leads service writes it: about 600 bytes of data and metadata. */
const newEvent = (leadId, n) => ({
  id: randomUUID(),
  type: 'LeadCaptured',
  schemaVersion: 1,
  occurredAt: new Date().toISOString(),
  metadata: { tenantId, actor: { id: `rep-${n % 7}`, role: 'rep' }, correlationId: randomUUID(), causationId: randomUUID() },
  data: {
    leadId,
    name: `Lead ${n}`,
    email: `lead-${n}@bench.example`,
    phone: '+44 20 7946 0958',
    company: `Company ${n % 97}`,
    title: 'Head of Operations',
    companySize: 250,
    industry: 'software',
    country: 'GB',
    source: 'web',
    ownerId: `rep-${n % 7}`,
    attributes: { plan: 'team', seats: 12 },
    score: { value: 42, modelVersion: null },
  },
});

/** Runs `writers` loops of `append` until the window closes; events/s inside the window and per-append latencies. */
const measure = (writers, append) => measureFor(measureMs, writers, append);

const measureFor = async (windowMs, writers, append) => {
  let stopped = false;
  let done = 0;
  let counting = false;
  const latencies = [];
  const loop = async (writer) => {
    while (!stopped) {
      const started = performance.now();
      try {
        await append(writer);
      } catch (error) {
        stopped = true;
        throw error;
      }
      done++;
      if (counting) latencies.push(performance.now() - started);
    }
  };
  const running = Promise.all(Array.from({ length: writers }, (_, writer) => loop(writer)));
  running.catch(() => undefined);
  await Promise.race([sleep(warmUpMs), running]);
  const before = done;
  const started = performance.now();
  counting = true;
  await Promise.race([sleep(windowMs), running]);
  const after = done;
  const elapsed = performance.now() - started;
  stopped = true;
  await running;
  return { rate: (after - before) / (elapsed / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
};

/** Stream ids for a case: a new one per append, or one of a few fixed ones in turn. */
const streamPicker = (streams) => {
  const fixed = Array.from({ length: sharedStreams }, () => randomUUID());
  let next = 0;
  return () => (streams === 'distinct' ? randomUUID() : fixed[next++ % sharedStreams]);
};

const typeParsers = () => Object.fromEntries([20, 114, 3802].map((oid) => [oid, pg.types.getTypeParser(oid, 'text')]));
const useTypeParsers = (parsers) => Object.entries(parsers).forEach(([oid, parser]) => pg.types.setTypeParser(Number(oid), parser));

export const run = async () => {
  const server = await postgres('append');
  if (server.error) return skipped('no PostgreSQL', server.error);
  const suffix = randomBytes(4).toString('hex');
  const schema = `bench_append_${suffix}`;
  const emmettDatabase = `bench_emmett_${suffix}`;
  const applicationName = `bench-${schema}`;
  const pool = newPool({ connectionString: server.url, max: maxWriters + 2, application_name: applicationName });
  let emmettPool;
  let emmett;
  let emmettCreated = false;
  // Importing Emmett is harmless; creating its store swaps pg's global parsers (int8 to BigInt, its
  // own JSON): each side runs with its own, and ours are back before the next benchmark.
  const ours = typeParsers();
  let theirs = ours;
  const cleanup = async () => {
    useTypeParsers(ours);
    await emmett?.close().catch(() => undefined);
    await emmettPool?.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await adminQuery(server.url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]).catch(() => undefined);
    await adminQuery(server.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((error) => log(`could not drop schema ${schema}: ${error.message}`));
    if (emmettCreated) await adminQuery(server.url, `DROP DATABASE IF EXISTS ${emmettDatabase} WITH (FORCE)`).catch((error) => log(`could not drop database ${emmettDatabase}: ${error.message}`));
    await server.stop().catch(() => undefined);
  };
  const disarm = onInterrupt(cleanup);
  const started = performance.now();
  try {
    log(`PostgreSQL: ${server.where}; schema ${schema}, Emmett in database ${emmettDatabase}; ${seconds(measureMs)} per case`);
    await pool.query(`CREATE SCHEMA ${schema}`);
    const store = createPostgresEventStore({ pool, schema });
    await store.migrate();
    await pool.query(`CREATE TABLE ${schema}.raw_events (LIKE ${schema}.events INCLUDING ALL); CREATE SEQUENCE ${schema}.raw_position_seq`);

    await adminQuery(server.url, `CREATE DATABASE ${emmettDatabase}`);
    emmettCreated = true;
    const emmettUrl = withDatabase(server.url, emmettDatabase);
    emmettPool = newPool({ connectionString: emmettUrl, max: maxWriters + 2, application_name: applicationName });
    const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
    emmett = getPostgreSQLEventStore(emmettUrl, { connectionOptions: { connectionString: emmettUrl, pool: emmettPool } });
    theirs = typeParsers();
    useTypeParsers(theirs);
    await emmett.schema.migrate();
    useTypeParsers(ours);

    let n = 0;
    const revisions = new Map();
    const insert = `INSERT INTO ${schema}.raw_events (global_position, event_id, stream_id, category, revision, type, schema_version, data, metadata, tenant_id, occurred_at, transaction_id, hash)
      VALUES (nextval('${schema}.raw_position_seq'), $1, $2, 'lead', $3, $4, $5, $6, $7, $8, $9, pg_current_xact_id(), $10)`;
    const systems = {
      store: (pick) => async () => {
        const leadId = pick();
        await store.appendToStream(`lead-${leadId}`, [newEvent(leadId, n++)]);
      },
      raw: (pick) => async () => {
        const leadId = pick();
        const streamId = `lead-${leadId}`;
        const revision = revisions.get(streamId) ?? 0;
        revisions.set(streamId, revision + 1);
        const event = newEvent(leadId, n++);
        const hash = createHash('sha256').update(event.id).digest('hex');
        await pool.query(insert, [event.id, streamId, revision, event.type, event.schemaVersion, JSON.stringify(event.data), JSON.stringify(event.metadata), tenantId, event.occurredAt, hash]);
      },
      emmett: (pick, conflicts) => async () => {
        const leadId = pick();
        const event = newEvent(leadId, n++);
        for (;;) {
          try {
            await emmett.appendToStream(`lead-${leadId}`, [{ type: event.type, data: event.data, metadata: event.metadata }]);
            return;
          } catch (error) {
            if (error?.errorCode !== 412) throw error; // Emmett's ConcurrencyError: lost the race for the stream
            conflicts.count++;
          }
        }
      },
    };

    // Connections, plans and JIT warm before the first case, which would otherwise pay for them.
    await measureFor(warmUpMs * 2, 8, systems.store(streamPicker('distinct')));
    await measureFor(warmUpMs * 2, 8, systems.raw(streamPicker('distinct')));
    useTypeParsers(theirs);
    await measureFor(warmUpMs * 2, 8, systems.emmett(streamPicker('distinct'), { count: 0 })).finally(() => useTypeParsers(ours));

    const rows = [];
    for (const { writers, streams } of cases) {
      const label = `${writers} writer${writers === 1 ? '' : 's'}, ${streams === 'distinct' ? 'a new stream per event' : `${sharedStreams} shared streams`}`;
      const conflicts = { count: 0 };
      const storeResult = await measure(writers, systems.store(streamPicker(streams)));
      const rawResult = await measure(writers, systems.raw(streamPicker(streams)));
      useTypeParsers(theirs);
      const emmettResult = await measure(writers, systems.emmett(streamPicker(streams), conflicts)).finally(() => useTypeParsers(ours));
      const ms = (r) => `p50 ${r.p50.toFixed(1)}/p99 ${r.p99.toFixed(1)} ms`;
      log(`${label}: store ${storeResult.rate.toFixed(0)}/s (${ms(storeResult)}), raw ${rawResult.rate.toFixed(0)}/s (${ms(rawResult)}), Emmett ${emmettResult.rate.toFixed(0)}/s (${ms(emmettResult)}${conflicts.count ? `, ${conflicts.count} conflicts retried` : ''})`);
      rows.push(
        { case: label, measure: 'events/s (appendToStream)', value: storeResult.rate, baselineName: 'raw single-row INSERT', baseline: rawResult.rate, note: `store ${ms(storeResult)}; raw ${ms(rawResult)}` },
        {
          case: label,
          measure: 'events/s (appendToStream)',
          value: storeResult.rate,
          baselineName: 'Emmett appendToStream',
          baseline: emmettResult.rate,
          note: `Emmett ${ms(emmettResult)}${conflicts.count ? `; ${conflicts.count} version conflicts retried` : ''}`,
        },
      );
    }
    log(`wall time ${seconds(performance.now() - started)}`);
    return rows;
  } finally {
    disarm();
    await cleanup();
  }
};

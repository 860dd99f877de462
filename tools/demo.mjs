// `npm run demo`: seeds tenant "default" (the development token's) with two years of generated CRM
// history ending now, so that the dashboard and the forecasts have something to show: leads from
// every source, twelve reps in three regions, seasonal demand, deals won and lost, tasks and
// activities. About 60,000 events (DEMO_EVENTS sets another count).
//
// It writes to the database the app uses: DATABASE_URL, else the embedded PostgreSQL in DATA_DIR
// (default .data), which only one process may run at a time, so stop `npm start` first. Running it
// again changes nothing: the generated ids are deterministic and the store keeps an id once; an
// interrupted run is completed.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(root, 'dist', path));
const { Pool } = require('pg');
const { generateCrmHistory } = dist('libs/testing/src/crm-history.js');
const { createPostgresEventStore } = dist('libs/postgres-event-store/src/index.js');
const { startEmbeddedPostgres } = dist('libs/platform/src/embedded-postgres.js');

const DAY = 86_400_000;
const tenantId = 'default';
const eventCount = Number(process.env.DEMO_EVENTS ?? 60_000);
const dataDir = resolve(process.env.DATA_DIR ?? '.data');
// Each append is its own transaction waiting on its commit: several writers share the WAL flushes.
const writers = 8;
const chunkSize = 2_000;
// B2B demand: a spring peak, a summer and a year-end lull, the strongest months in the autumn.
const seasonality = [0.85, 0.95, 1.15, 1.05, 1, 0.95, 0.7, 0.6, 1.05, 1.25, 1.3, 0.8];

if (!Number.isInteger(eventCount) || eventCount < 1_000) {
  console.error(`demo: DEMO_EVENTS must be a whole number of at least 1000 (got ${process.env.DEMO_EVENTS})`);
  process.exit(2);
}

// Day-aligned, so that runs on the same day generate the same times as well as the same ids.
const end = Math.floor(Date.now() / DAY) * DAY;
const historyOptions = {
  seed: 2026,
  tenantId,
  events: eventCount,
  start: new Date(end - 730 * DAY).toISOString(),
  days: 730,
  stopAt: 'end',
  seasonality,
  regions: ['EMEA', 'NA', 'APAC'],
  currencies: ['EUR'],
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The embedded server of a running app holds the data directory, and starting another one would stop
 * it (a server left by a killed process is stopped that way): refuse while its parent is alive.
 */
const embeddedInUse = (pgData) => {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return parent > 1 && alive(parent) ? parent : undefined;
};

const database = async () => {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, where: 'DATABASE_URL', stop: async () => undefined };
  const postgresDir = join(dataDir, 'postgres');
  const holder = embeddedInUse(join(postgresDir, 'pgdata'));
  if (holder) {
    console.error(`demo: the embedded database in ${postgresDir} is in use by process ${holder} (is \`npm start\` running on this DATA_DIR?): stop it, then run the demo again`);
    process.exit(1);
  }
  const server = await startEmbeddedPostgres({ dataDir: postgresDir, database: 'crm', log: (line) => console.log(`demo: ${line}`) });
  return { url: server.url, where: `the embedded PostgreSQL in ${postgresDir}`, stop: server.stop };
};

const writerOf = (streamId) => {
  let hash = 7;
  for (let i = 0; i < streamId.length; i++) hash = (hash * 31 + streamId.charCodeAt(i)) >>> 0;
  return hash % writers;
};

const grouped = (count) => count.toLocaleString('en-US');

/** A bar redrawn in place on a terminal; elsewhere (CI, a pipe) a line every tenth. */
const progress = (total) => {
  const tty = process.stdout.isTTY;
  let lastDraw = 0;
  let lastTenth = -1;
  return (done) => {
    const fraction = total === 0 ? 1 : done / total;
    const line = `${Math.floor(fraction * 100)}% ${grouped(done)}/${grouped(total)} events`;
    if (tty) {
      if (done < total && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      const filled = Math.round(fraction * 30);
      process.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${line}${done >= total ? '\n' : ''}`);
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10);
      console.log(`demo: ${line}`);
    }
  };
};

const storedIn = async (store, { streamId, event }) => (await store.readStream(streamId)).events.some((stored) => stored.id === event.id);

/**
 * Appends the history chunk by chunk. Within a chunk each writer owns the streams that hash to it
 * and appends a run of one stream's consecutive events per call; chunks follow one another, so every
 * stream's events arrive in order. The runs are the same on every run of the demo with the same
 * count, so a run appended before is stored whole and appending it again returns it unchanged.
 */
const load = async (store, total) => {
  const report = progress(total);
  const history = generateCrmHistory(historyOptions);
  let appended = 0;
  report(0);
  for (let exhausted = false; !exhausted; ) {
    const shares = Array.from({ length: writers }, () => []);
    let size = 0;
    while (size < chunkSize) {
      const next = history.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const { streamId, event } = next.value;
      const runs = shares[writerOf(streamId)];
      const last = runs[runs.length - 1];
      if (last && last.streamId === streamId) last.events.push(event);
      else runs.push({ streamId, events: [event] });
      size++;
    }
    await Promise.all(
      shares.map(async (runs) => {
        for (const run of runs) {
          await store.appendToStream(run.streamId, run.events);
          appended += run.events.length;
          report(appended);
        }
      }),
    );
  }
  return appended;
};

const main = async () => {
  // One pass to know the count (for the bar) and the last event (to tell a complete seed apart).
  let total = 0;
  let first;
  let last;
  for (const generated of generateCrmHistory(historyOptions)) {
    first ??= generated;
    last = generated;
    total++;
  }
  const server = await database();
  // Not waiting for each commit's WAL flush: a crash would lose the last appends, which a second
  // run completes. Four times the rate of a flush per append.
  const pool = new Pool({ connectionString: server.url, max: writers + 2, application_name: 'crm-demo', options: '-c synchronous_commit=off' });
  pool.on('error', () => undefined);
  const store = createPostgresEventStore({ pool });
  let interrupted = false;
  const stop = async () => {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await server.stop();
  };
  process.once('SIGINT', () => {
    interrupted = true;
    console.log('\ndemo: interrupted; run it again to complete the history');
    void stop().then(() => process.exit(130));
  });
  try {
    await store.migrate();
    const from = historyOptions.start.slice(0, 10);
    const to = new Date(end).toISOString().slice(0, 10);
    if (await storedIn(store, last)) {
      console.log(`demo: tenant "${tenantId}" in ${server.where} already holds the demo history (${grouped(total)} events, ${from} to ${to}): nothing to do`);
    } else {
      const resuming = await storedIn(store, first);
      console.log(`demo: ${resuming ? 'completing' : 'seeding'} tenant "${tenantId}" in ${server.where}: ${grouped(total)} events from ${from} to ${to}, ${writers} writers`);
      const started = Date.now();
      try {
        await load(store, total);
      } catch (error) {
        if (interrupted) return;
        // The runs of appends differ with the count: some of a run stored before, some not.
        if (error.name === 'DuplicateEventIdError') {
          throw new Error(`this database holds a demo history of another size: seed a fresh DATA_DIR, or run with the DEMO_EVENTS used before (${error.message.slice(0, 120)})`);
        }
        throw error;
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(`demo: ${grouped(total)} events in ${seconds.toFixed(1)} s (${grouped(Math.round(total / Math.max(seconds, 0.001)))}/s)`);
    }
  } finally {
    if (!interrupted) await stop();
  }
  // Started by `npm start -- --demo`: the app starts next, no instructions needed.
  if (interrupted || process.env.DEMO_FROM_APP) return;
  const env = [process.env.DATA_DIR ? `DATA_DIR=${process.env.DATA_DIR}` : '', process.env.DATABASE_URL ? 'DATABASE_URL=…' : ''].filter(Boolean).join(' ');
  const port = process.env.PORT ?? '3000';
  console.log(`
Start the app (the analytics read models catch up with the history in its first minute):
  ${env ? `${env} ` : ''}npm start
then open the dashboard with the development token the app writes at start-up:
  http://localhost:${port}/dashboard#token=$(cat ${join(process.env.DATA_DIR ?? '.data', 'dev-token')})`);
};

main().catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exit(1);
});

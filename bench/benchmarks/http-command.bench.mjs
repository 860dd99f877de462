// HTTP command throughput and latency: `POST /leads` (a new lead, unique e-mail each time) against
// the embedded app, with autocannon, 16 connections, BENCH_HTTP_SECONDS (default 10) after a 2 s
// warm-up. The app is started as libs/testing's spawnApp does (own embedded PostgreSQL in a fresh
// DATA_DIR, no Kafka, no rate limit, LOG_LEVEL=warn), so its projections run in the same process
// while it takes commands, as they do in production.
//
// Baseline, measured in the same run against the same PostgreSQL server (the app's embedded one,
// in a schema of its own): a bare Fastify `POST /leads` doing one INSERT into a five-column table
// (bench/support/bare-insert-server.mjs). It runs in a child process as the app does rather than in
// this one, where autocannon's own work would slow it down. It is measured first, while the app is
// idle, so that the app's projections catching up do not slow it down either.
//
// Autocannon, the app (or the baseline) and PostgreSQL share the machine's cores.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { appRequest, log, onInterrupt, root, seconds, skipped, sleep, startApp } from '../support/infra.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { Client } = require('pg');

export const name = 'http command';

const durationSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const warmUpSeconds = 2;
const connections = 16;
const runId = randomBytes(3).toString('hex');
let counter = 0;
const leadBody = () => {
  const n = counter++;
  return JSON.stringify({ name: `Bench Lead ${n}`, email: `lead-${runId}-${n}@bench.example`, source: 'web', company: `Company ${n % 97}`, title: 'Head of Operations', companySize: 250, industry: 'software' });
};

const load = (url, headers, duration) =>
  autocannon({
    url,
    connections,
    duration,
    requests: [{ method: 'POST', path: '/leads', headers: { 'content-type': 'application/json', ...headers }, setupRequest: (request) => ({ ...request, body: leadBody() }) }],
  });

/** CPU time (user + system, ms) a process used so far, from /proc; undefined elsewhere. */
const cpuMs = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100/s on Linux)
  } catch {
    return undefined;
  }
};

/** The server's WAL insert position: the difference over a run is the bytes of WAL it wrote. */
const walPosition = async (databaseUrl) => {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;
  } finally {
    await client.end().catch(() => undefined);
  }
};
const walBytes = (from, to) => {
  const bytes = (lsn) => lsn.split('/').reduce((sum, part) => sum * 2 ** 32 + parseInt(part, 16), 0);
  return bytes(to) - bytes(from);
};

/**
 * Runs the measured load and notes what each successful request cost: CPU of the server process,
 * and WAL written by PostgreSQL during the run (anything else writing to that server counts too).
 */
const measured = async (url, headers, pid, databaseUrl) => {
  const cpuBefore = cpuMs(pid);
  const walBefore = await walPosition(databaseUrl);
  const result = summary(await load(url, headers, durationSeconds));
  const cpuAfter = cpuMs(pid);
  const walAfter = await walPosition(databaseUrl);
  return { ...result, cpuPerRequest: cpuBefore === undefined || cpuAfter === undefined ? NaN : (cpuAfter - cpuBefore) / result.ok, walPerRequest: walBytes(walBefore, walAfter) / result.ok };
};
const costs = (r) => `${r.cpuPerRequest.toFixed(r.cpuPerRequest < 1 ? 2 : 1)} ms CPU, ${(r.walPerRequest / 1024).toFixed(1)} KiB WAL per request`;

const summary = (result) => ({
  ok: result['2xx'],
  rate: result['2xx'] / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  failed: result.non2xx + result.errors + result.timeouts,
});

/** The bare server as a child process; resolves once it listens. */
const startBaseline = async (databaseUrl, schema) => {
  const child = spawn(process.execPath, [join(root, 'bench/support/bare-insert-server.mjs')], {
    cwd: root,
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
    if (url) return { url, stop, pid: child.pid };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`baseline server did not start: ${output.slice(-2000)}`);
    }
  }
};

export const run = async () => {
  const started = performance.now();
  let app;
  let baseline;
  const cleanup = async () => {
    await baseline?.stop().catch(() => undefined);
    await app?.stop().catch(() => undefined); // removes DATA_DIR, and with it the embedded database
  };
  const disarm = onInterrupt(cleanup);
  try {
    try {
      app = await startApp();
    } catch (error) {
      return skipped('the embedded app did not start', error.message.split('\n')[0]);
    }
    log(`app ${app.url} (started in ${seconds(performance.now() - started)}), DATA_DIR ${app.dataDir}`);
    if (!app.databaseUrl) throw new Error('the app did not log its embedded PostgreSQL port');

    const probe = await appRequest(app, 'POST', '/leads', JSON.parse(leadBody()));
    if (probe.status !== 201) throw new Error(`POST /leads answered ${probe.status}: ${JSON.stringify(probe.body)}`);

    const schema = `bench_http_${runId}`;
    const admin = new Client({ connectionString: app.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`).finally(() => admin.end());
    baseline = await startBaseline(app.databaseUrl, schema);
    await load(baseline.url, {}, warmUpSeconds);
    const bare = await measured(baseline.url, {}, baseline.pid, app.databaseUrl);
    await baseline.stop();
    log(`bare Fastify + INSERT: ${bare.rate.toFixed(0)} req/s, p50 ${bare.p50} ms, p99 ${bare.p99} ms, ${costs(bare)}${bare.failed ? `, ${bare.failed} failed` : ''}`);

    const auth = { authorization: `Bearer ${app.token}` };
    await load(app.url, auth, warmUpSeconds);
    const crm = await measured(app.url, auth, app.child.pid, app.databaseUrl);
    log(`app POST /leads: ${crm.rate.toFixed(0)} req/s, p50 ${crm.p50} ms, p99 ${crm.p99} ms, ${costs(crm)}${crm.failed ? `, ${crm.failed} failed` : ''}`);
    if (crm.failed > 0) log(`app output (tail): ${app.output().slice(-1500)}`);

    const label = `POST /leads, ${connections} connections, ${durationSeconds} s`;
    const baselineName = 'bare Fastify POST doing one INSERT';
    const failures = `${crm.failed} failed (non-2xx, errors, timeouts), baseline ${bare.failed}`;
    log(`wall time ${seconds(performance.now() - started)}`);
    return [
      { case: label, measure: 'requests/s (2xx)', value: crm.rate, baselineName, baseline: bare.rate, note: failures },
      { case: label, measure: 'latency p50 ms', value: crm.p50, baselineName, baseline: bare.p50, note: `app ${costs(crm)}` },
      { case: label, measure: 'latency p99 ms', value: crm.p99, baselineName, baseline: bare.p99, note: `baseline ${costs(bare)}` },
    ];
  } finally {
    disarm();
    await cleanup();
  }
};

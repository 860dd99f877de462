// End-to-end lag: from a command's 201 (`POST /leads`) to the moment an analytics query answers
// with it included, at a steady BENCH_LAG_RATE commands/s (default 20) for BENCH_LAG_SECONDS
// (default 20), each command sent on schedule whether or not earlier ones are done; in each mode of
// BENCH_LAG_MODES (default `embedded,distributed`).
//
// Embedded: the four contexts in one process (the `npm start` app on its own embedded PostgreSQL),
// events handed to the projector through the store's subscription. "Included" is
// `GET /analytics/kpis?minPosition=<the command's position>`, which holds the answer until the read
// models have projected that position (a 503 after 5 s is retried), so the lag covers the projector
// picking the event up, projecting it and the KPI query itself (the query's own latency, measured
// apart afterwards, is in the note).
//
// Distributed: four service processes started for this run only (libs/testing's
// createDistributedStack: fresh databases `bench_<service>_…` on the local PostgreSQL, a fresh
// topic and consumer-group prefix on the running Kafka broker, free ports), so it never meets
// someone's `npm run start:distributed`; its topics and groups are deleted at the end. The path is
// the leads service's store → its relay → Kafka → the analytics consumer → the read models. A
// position of the leads service means nothing to analytics, so "included" is
// `GET /audit?stream=lead-<id>` listing the event (the audit copy is written in the projection's
// transaction). One watcher asks, one request at a time, for every lead not seen yet, then waits
// BENCH_LAG_POLL_MS (default 20): a figure is late by up to that wait plus one such sweep. A lead not
// seen within BENCH_LAG_TIMEOUT_SECONDS (120) makes a FAILED row, and the services' output is kept
// in tmp/bench-lag-<id>/.
//
// Baselines: in each mode the same commands' own HTTP latency (send to 201); and the distributed
// lag beside the embedded lag of the same run.
//
// PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test (the distributed mode
// needs one where databases can be created); Kafka: KAFKA_BROKERS, else 127.0.0.1:19092. Without
// them the distributed mode is reported as skipped.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appRequest, dist, kafkaBrokers, log, onInterrupt, percentile, postgres, root, seconds, skipped, sleep, startApp } from '../support/infra.mjs';

const require = createRequire(import.meta.url);

export const name = 'end-to-end lag';

const rate = Number(process.env.BENCH_LAG_RATE ?? 20);
const durationSeconds = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const modes = (process.env.BENCH_LAG_MODES ?? 'embedded,distributed').split(',').map((mode) => mode.trim()).filter(Boolean);
const pollMs = Number(process.env.BENCH_LAG_POLL_MS ?? 20);
/** How long one lead may take to reach analytics before the distributed run fails. */
const timeoutSeconds = Number(process.env.BENCH_LAG_TIMEOUT_SECONDS ?? 120);
const warmUpCommands = 20;
const runId = randomBytes(3).toString('hex');

const leadBody = (n) => ({ name: `Lag Lead ${n}`, email: `lag-${runId}-${n}@bench.example`, source: 'web', company: `Company ${n % 97}` });

/** Embedded: one command and the wait until the KPI query has projected its position; times in ms. */
const embeddedCommand = (app) => async (n) => {
  const sent = performance.now();
  const command = await appRequest(app, 'POST', '/leads', leadBody(n));
  const accepted = performance.now();
  if (command.status !== 201) throw new Error(`POST /leads answered ${command.status}: ${JSON.stringify(command.body)}`);
  const position = command.body.position;
  let retries = 0;
  for (;;) {
    const query = await appRequest(app, 'GET', `/analytics/kpis?minPosition=${position}`);
    if (query.status === 200) break;
    if (query.status !== 503 || ++retries > 5) throw new Error(`GET /analytics/kpis?minPosition=${position} answered ${query.status}: ${JSON.stringify(query.body)}`);
  }
  return { commandMs: accepted - sent, lagMs: performance.now() - accepted, retries };
};

/**
 * Distributed: watches analytics' audit trail for the leads sent. One request at a time, whatever
 * the number of leads in flight (a poller per lead would load the service it measures): each sweep
 * asks for every lead not seen yet, in the order they were accepted, then waits `pollMs`.
 */
const auditWatcher = (stack, analytics, timeoutMs) => {
  const pending = new Map();
  let running = true;
  let sweeps = 0;
  const loop = (async () => {
    while (running) {
      for (const [id, entry] of [...pending]) {
        const query = await stack.call(analytics, 'GET', `/audit?stream=lead-${id}`).catch((error) => ({ status: 0, body: { error: error.message } }));
        if (query.status === 200 && query.body.items.length > 0) {
          pending.delete(id);
          entry.resolve(performance.now());
        } else if (query.status !== 200) {
          pending.delete(id);
          entry.reject(new Error(`GET /audit?stream=lead-${id} answered ${query.status}: ${JSON.stringify(query.body)}`));
        } else if (performance.now() - entry.accepted > timeoutMs) {
          pending.delete(id);
          entry.reject(new Error(`lead-${id} did not reach analytics within ${timeoutMs / 1000} s`));
        }
      }
      sweeps++;
      await sleep(pollMs);
    }
  })();
  return {
    visible: (id, accepted) => new Promise((resolve, reject) => pending.set(id, { accepted, resolve, reject })),
    sweeps: () => sweeps,
    stop: async () => {
      running = false;
      await loop;
    },
  };
};

/** Distributed: one command to the leads service, then the wait until analytics' audit trail lists it. */
const distributedCommand = (stack, leads, watcher) => async (n) => {
  const sent = performance.now();
  const command = await stack.call(leads, 'POST', '/leads', leadBody(n));
  const accepted = performance.now();
  if (command.status !== 201) throw new Error(`POST /leads answered ${command.status}: ${JSON.stringify(command.body)}`);
  const visible = await watcher.visible(command.body.id, accepted);
  return { commandMs: accepted - sent, lagMs: visible - accepted, retries: 0 };
};

/** Warms up, then sends `rate` commands a second on schedule for `durationSeconds`; the lags and latencies. */
const steady = async (command) => {
  for (let i = 0; i < warmUpCommands; i++) await command(-1 - i);
  const count = Math.round(rate * durationSeconds);
  const interval = 1000 / rate;
  const begin = performance.now();
  const pending = [];
  let maxBehind = 0;
  for (let i = 0; i < count; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else maxBehind = Math.max(maxBehind, -wait);
    pending.push(command(i));
  }
  const results = await Promise.all(pending);
  const elapsed = performance.now() - begin;
  const lag = results.map((r) => r.lagMs);
  const commandMs = results.map((r) => r.commandMs);
  const retries = results.reduce((sum, r) => sum + r.retries, 0);
  log(`${count} commands in ${seconds(elapsed)} (schedule slipped by up to ${maxBehind.toFixed(0)} ms)`);
  log(`lag p50 ${percentile(lag, 50).toFixed(1)} ms, p99 ${percentile(lag, 99).toFixed(1)} ms, max ${Math.max(...lag).toFixed(1)} ms; command p50 ${percentile(commandMs, 50).toFixed(1)} ms, p99 ${percentile(commandMs, 99).toFixed(1)} ms`);
  return { lag, commandMs, retries, count };
};

const label = (mode) => `${rate} POST /leads per s for ${durationSeconds} s, ${mode}`;
const baselineName = 'the command’s own HTTP latency';

const runEmbedded = async () => {
  const started = performance.now();
  let app;
  const cleanup = async () => {
    await app?.stop().catch(() => undefined);
  };
  const disarm = onInterrupt(cleanup);
  try {
    try {
      app = await startApp();
    } catch (error) {
      return { rows: skipped('embedded: the app did not start', error.message.split('\n')[0]) };
    }
    log(`embedded: app ${app.url} (started in ${seconds(performance.now() - started)}); ${rate} commands/s for ${durationSeconds} s`);
    const result = await steady(embeddedCommand(app));
    const queryMs = [];
    for (let i = 0; i < 20; i++) {
      const queried = performance.now();
      await appRequest(app, 'GET', '/analytics/kpis');
      queryMs.push(performance.now() - queried);
    }
    log(`embedded: wall time ${seconds(performance.now() - started)}`);
    const { lag, commandMs, retries } = result;
    const note = `201 → GET /analytics/kpis?minPosition answers; the KPI query alone takes p50 ${percentile(queryMs, 50).toFixed(1)} ms${retries ? `; ${retries} retried after 503` : ''}`;
    return {
      lag,
      rows: [
        { case: label('embedded'), measure: 'lag p50 ms', value: percentile(lag, 50), baselineName, baseline: percentile(commandMs, 50), note },
        { case: label('embedded'), measure: 'lag p99 ms', value: percentile(lag, 99), baselineName, baseline: percentile(commandMs, 99), note: `max lag ${Math.max(...lag).toFixed(0)} ms` },
      ],
    };
  } finally {
    disarm();
    await cleanup();
  }
};

/** Deletes the run's topics and consumer groups from the broker (best effort: a leftover is only litter). */
const deleteKafkaLeftovers = async (brokers, prefix) => {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((group) => group.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch((error) => log(`could not delete consumer groups: ${error.message}`));
    if (topics.length) await admin.deleteTopics({ topics });
    log(`distributed: deleted ${topics.length} topics and ${groups.length} consumer groups under ${prefix}`);
  } catch (error) {
    log(`distributed: could not delete the topics under ${prefix}: ${error.message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

const runDistributed = async () => {
  const started = performance.now();
  const kafka = await kafkaBrokers();
  if (kafka.error) return { rows: skipped('distributed: no Kafka', kafka.error) };
  const server = await postgres('lag');
  if (server.error) return { rows: skipped('distributed: no PostgreSQL', server.error) };
  const { createDistributedStack, serviceNames } = dist('libs/testing/src/distributed-stack.js');
  const prefix = `bench_lag_${runId}.`;
  const stack = createDistributedStack({ databaseUrl: server.url, kafkaBrokers: kafka.brokers, prefix, databasePrefix: 'bench_', startTimeoutMs: 180_000, env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: process.env.BENCH_LAG_LOG_LEVEL ?? 'warn' } });
  let stopped = false;
  let keepLogs = () => undefined;
  const cleanup = async () => {
    if (stopped) return;
    stopped = true;
    const codes = await stack.stop().catch((error) => log(`distributed: stopping failed: ${error.message}`));
    if (codes && codes.some((code) => code !== 0)) log(`distributed: exit codes ${codes.map(String).join(', ')}`);
    await deleteKafkaLeftovers(kafka.brokers, prefix);
    await server.stop().catch(() => undefined);
  };
  const disarm = onInterrupt(cleanup);
  try {
    let services;
    try {
      services = await Promise.all(serviceNames.map((service) => stack.start(service)));
    } catch (error) {
      log(`distributed: ${error.message.slice(0, 2000)}`);
      return { rows: skipped('distributed: the stack did not start', error.message.split('\n').find((line) => /error/i.test(line)) ?? error.message.split('\n')[0]) };
    }
    const [leads, , , analytics] = services;
    // A run that fails keeps the services' output for a look afterwards.
    keepLogs = () => {
      const dir = join(root, 'tmp', `bench-lag-${runId}`);
      mkdirSync(dir, { recursive: true });
      for (const service of services) writeFileSync(join(dir, `${service.name}.log`), service.output());
      log(`distributed: the services' output is in ${dir}`);
    };
    log(`distributed: four services up in ${seconds(performance.now() - started)} (PostgreSQL ${server.where}, Kafka ${kafka.where}, prefix ${prefix}); ${rate} commands/s for ${durationSeconds} s`);
    // The first command waits for the analytics consumer to join its group and get its partitions.
    const joining = performance.now();
    const first = auditWatcher(stack, analytics, 180_000);
    await distributedCommand(stack, leads, first)(-100).finally(() => first.stop());
    log(`distributed: the first lead reached analytics after ${seconds(performance.now() - joining)}`);
    const watcher = auditWatcher(stack, analytics, timeoutSeconds * 1000);
    let result;
    try {
      result = await steady(distributedCommand(stack, leads, watcher));
    } catch (error) {
      // Reported as a row, so that the other benchmarks' table still prints; the output is kept.
      keepLogs();
      log(`distributed: FAILED: ${error.message}`);
      return { rows: [{ case: `FAILED: ${label('distributed')}`, measure: '-', value: 1, baselineName: 'n/a', baseline: 1, note: error.message }] };
    } finally {
      await watcher.stop();
    }
    const { lag, commandMs } = result;
    log(`distributed: wall time ${seconds(performance.now() - started)}`);
    const note = `201 from leads-service → GET /audit?stream= on analytics-service lists it (polled every ${pollMs} ms)`;
    return {
      lag,
      rows: [
        { case: label('distributed'), measure: 'lag p50 ms', value: percentile(lag, 50), baselineName, baseline: percentile(commandMs, 50), note },
        { case: label('distributed'), measure: 'lag p99 ms', value: percentile(lag, 99), baselineName, baseline: percentile(commandMs, 99), note: `max lag ${Math.max(...lag).toFixed(0)} ms` },
      ],
    };
  } finally {
    disarm();
    await cleanup();
  }
};

export const run = async () => {
  const unknown = modes.filter((mode) => mode !== 'embedded' && mode !== 'distributed');
  if (unknown.length) throw new Error(`BENCH_LAG_MODES: unknown mode ${unknown.join(', ')} (embedded, distributed)`);
  const results = {};
  for (const mode of modes) results[mode] = mode === 'embedded' ? await runEmbedded() : await runDistributed();
  const rows = modes.flatMap((mode) => results[mode].rows);
  const { embedded, distributed } = results;
  if (embedded?.lag && distributed?.lag) {
    const note = 'different probes: embedded waits on minPosition, distributed polls /audit';
    for (const p of [50, 99]) {
      rows.push({ case: `${rate} POST /leads per s for ${durationSeconds} s`, measure: `distributed lag p${p} ms`, value: percentile(distributed.lag, p), baselineName: `embedded lag p${p} ms, same run`, baseline: percentile(embedded.lag, p), note });
    }
  }
  return rows;
};

// End-to-end lag in the embedded app: from a command's 201 (`POST /leads`) to the moment an
// analytics query answers with it included, at a steady BENCH_LAG_RATE commands/s (default 20) for
// BENCH_LAG_SECONDS (default 20), each command sent on schedule whether or not earlier ones are done.
// "Included" is `GET /analytics/kpis?minPosition=<the command's position>`, which holds the answer
// until the analytics read models have projected that position (a 503 after 5 s is retried), so the
// lag covers the projector picking the event up, projecting it and the KPI query itself (the
// query's own latency, measured apart afterwards, is in the note).
//
// Baseline: the same commands' own HTTP latency (send to 201).
//
// Embedded mode: the four contexts in one process, events handed to the projector through the
// store's subscription. The distributed mode (tools/distributed.mjs) would add the Kafka relay and
// consumer to the path, but it runs on fixed ports and databases and a shared state directory, so
// it cannot be started beside someone else's stack or cleaned up per run; it is not used here.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { appRequest, log, onInterrupt, percentile, seconds, skipped, sleep, startApp } from '../support/infra.mjs';

export const name = 'end-to-end lag';

const rate = Number(process.env.BENCH_LAG_RATE ?? 20);
const durationSeconds = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const warmUpCommands = 20;
const runId = randomBytes(3).toString('hex');

/** One command and the wait until analytics shows it; times in ms. */
const commandThenQuery = async (app, n) => {
  const sent = performance.now();
  const command = await appRequest(app, 'POST', '/leads', { name: `Lag Lead ${n}`, email: `lag-${runId}-${n}@bench.example`, source: 'web', company: `Company ${n % 97}` });
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

export const run = async () => {
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
      return skipped('the embedded app did not start', error.message.split('\n')[0]);
    }
    log(`app ${app.url} (started in ${seconds(performance.now() - started)}); ${rate} commands/s for ${durationSeconds} s`);
    for (let i = 0; i < warmUpCommands; i++) await commandThenQuery(app, -1 - i);

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
      pending.push(commandThenQuery(app, i));
    }
    const results = await Promise.all(pending);
    const elapsed = performance.now() - begin;

    const queryMs = [];
    for (let i = 0; i < 20; i++) {
      const queried = performance.now();
      await appRequest(app, 'GET', '/analytics/kpis');
      queryMs.push(performance.now() - queried);
    }

    const lag = results.map((r) => r.lagMs);
    const command = results.map((r) => r.commandMs);
    const retries = results.reduce((sum, r) => sum + r.retries, 0);
    log(`${count} commands in ${seconds(elapsed)} (schedule slipped by up to ${maxBehind.toFixed(0)} ms)`);
    log(`lag p50 ${percentile(lag, 50).toFixed(1)} ms, p99 ${percentile(lag, 99).toFixed(1)} ms, max ${Math.max(...lag).toFixed(1)} ms; command p50 ${percentile(command, 50).toFixed(1)} ms, p99 ${percentile(command, 99).toFixed(1)} ms; ${retries} queries retried after 503`);
    log(`wall time ${seconds(performance.now() - started)}`);
    const label = `${rate} POST /leads per s for ${durationSeconds} s, embedded`;
    const baselineName = 'the command’s own HTTP latency';
    const note = `201 → GET /analytics/kpis?minPosition answers; the KPI query alone takes p50 ${percentile(queryMs, 50).toFixed(1)} ms${retries ? `; ${retries} retried after 503` : ''}`;
    return [
      { case: label, measure: 'lag p50 ms', value: percentile(lag, 50), baselineName, baseline: percentile(command, 50), note },
      { case: label, measure: 'lag p99 ms', value: percentile(lag, 99), baselineName, baseline: percentile(command, 99), note: `max lag ${Math.max(...lag).toFixed(0)} ms` },
    ];
  } finally {
    disarm();
    await cleanup();
  }
};

// What the PostgreSQL, Kafka and HTTP benchmarks share: finding the servers to run against,
// starting the embedded app as a child process, percentiles, and cleaning up on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Client, Pool } = require('pg');

export const root = process.cwd();
export const dist = (path) => require(join(root, 'dist', path));

export const log = (line) => process.stdout.write(`  ${line}\n`);
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

/** The row a benchmark returns when its infrastructure is missing: reported, never a failure. */
export const skipped = (what, reason) => {
  log(`skipped: ${reason}`);
  return [{ case: `skipped: ${what}`, measure: '-', value: 1, baselineName: 'n/a', baseline: 1, note: reason }];
};

/**
 * Runs `cleanup` if the run is interrupted (Ctrl-C, kill), then exits; returns the function that
 * removes the handlers again once the benchmark cleaned up by itself.
 */
export const onInterrupt = (cleanup) => {
  const handler = async (signal) => {
    log(`${signal}: cleaning up`);
    await cleanup().catch((error) => log(`cleanup failed: ${error.message}`));
    process.exit(130);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
};

// --- PostgreSQL ----------------------------------------------------------------------------------

const defaultUrl = 'postgres://postgres@127.0.0.1:5432/test';

const reachable = async (url) => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** A server to run against: DATABASE_URL, else the local default, else an embedded one in a temporary directory. */
export const postgres = async (label) => {
  const url = process.env.DATABASE_URL ?? defaultUrl;
  if (await reachable(url)) return { url, where: process.env.DATABASE_URL ? 'DATABASE_URL' : defaultUrl.replace(/\/\/[^@]*@/, '//'), stop: async () => undefined };
  log(`no PostgreSQL at ${process.env.DATABASE_URL ? 'DATABASE_URL' : defaultUrl}: starting an embedded one`);
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${label}-pg-`));
  try {
    const { startEmbeddedPostgres } = dist('libs/platform/src/embedded-postgres.js');
    const server = await startEmbeddedPostgres({ dataDir, database: 'bench', log });
    return {
      url: server.url,
      where: `embedded, ${dataDir}`,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    return { error: error.message };
  }
};

/**
 * A pool whose connections never crash the process with an unhandled 'error' event when the
 * server ends them (a restart, pg_terminate_backend) while checked out between two queries: the
 * next query on them fails instead, and the benchmark cleans up and reports it.
 */
export const newPool = (options) => {
  const pool = new Pool(options);
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
};

/** The same server's URL with another database. */
export const withDatabase = (url, database) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** Runs one statement on a connection of its own (CREATE/DROP DATABASE cannot run in a pool's transaction-free session any other way). */
export const adminQuery = async (url, sql, params) => {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // ended by the server meanwhile: the query reports it
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * A scratch schema `<prefix>_<random>` whose sessions carry its name as application_name, so that
 * dropping it (at the end, or on Ctrl-C through the returned interrupt guard) first ends this run's
 * sessions and only those.
 */
export const scratchSchema = (url, prefix) => {
  const schema = `${prefix}_${Math.random().toString(16).slice(2, 10)}`;
  const applicationName = `bench-${schema}`;
  const drop = async () => {
    await adminQuery(url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    // A terminated session lets go of its locks only as it exits: dropping before that can deadlock.
    for (let waited = 0; waited < 10_000; waited += 100) {
      const { rows } = await adminQuery(url, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      if (rows[0].n === 0) break;
      await sleep(100);
    }
    await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  };
  return { schema, applicationName, drop };
};

/** Which of `writers` concurrent writers owns a stream: a stable hash of its id. */
export const writerOf = (streamId, writers) => {
  let hash = 7;
  for (let i = 0; i < streamId.length; i++) hash = (hash * 31 + streamId.charCodeAt(i)) >>> 0;
  return hash % writers;
};

// --- Kafka ---------------------------------------------------------------------------------------

const portOpen = (host, port) =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });

/** KAFKA_BROKERS, else the broker `bash infra/kafka/start.sh` runs on 127.0.0.1:19092 if it is up. */
export const kafkaBrokers = async () => {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean), where: 'KAFKA_BROKERS' };
  if (await portOpen('127.0.0.1', 19092)) return { brokers: ['127.0.0.1:19092'], where: '127.0.0.1:19092' };
  return { error: 'KAFKA_BROKERS is not set and no broker answers on 127.0.0.1:19092 (start one with `bash infra/kafka/start.sh`)' };
};

// --- the embedded app ----------------------------------------------------------------------------

/**
 * Starts `dist/apps/crm/src/main.js` as libs/testing's `spawnApp` does: its own embedded PostgreSQL
 * in a fresh DATA_DIR, no Kafka, port 0, no rate limit. Also returns the URL of that PostgreSQL
 * (from its credentials file and the port the app logs), so a baseline can use the same server.
 */
export const startApp = async (env = {}) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-crm-app-'));
  const { DATABASE_URL: _database, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(root, 'dist/apps/crm/src/main.js')], {
    cwd: root,
    env: { ...inherited, DATA_DIR: dataDir, PORT: '0', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    const stopping = Date.now();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    // An app that was killed, or exited on a second signal (Ctrl-C reaches it too), leaves its
    // embedded PostgreSQL running: stop that before its data directory goes.
    await stopPostmaster(join(dataDir, 'postgres', 'pgdata'));
    if (Date.now() - stopping > 3_000) log(`the app took ${seconds(Date.now() - stopping)} to stop`);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 120_000;
    let url;
    for (;;) {
      url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      if (url) break;
      if (child.exitCode !== null) throw new Error(`app exited early: ${output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`app did not start within 120 s: ${output.slice(-2000)}`);
      await sleep(50);
    }
    const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
    const pgPort = /embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    const credentials = JSON.parse(readFileSync(join(dataDir, 'postgres', 'postgres-credentials.json'), 'utf8'));
    const databaseUrl = pgPort ? `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${pgPort}/${credentials.database}` : undefined;
    return { url, token, databaseUrl, dataDir, child, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the PostgreSQL whose postmaster.pid is in pgData, if it still runs (fast shutdown, then kill). */
const stopPostmaster = async (pgData) => {
  let pid;
  try {
    pid = Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // never started, or shut down cleanly
  }
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already
  }
  if (!Number.isInteger(pid) || pid <= 0 || !cmdline.includes(pgData)) return; // the pid is someone else's now
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
};

/** A JSON request with the app's token; resolves to status, headers and parsed body. */
export const appRequest = async (app, method, path, body) => {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${app.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
};

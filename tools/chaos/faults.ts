import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Restarts of the shared infrastructure. Each one is done only when it is provably the local
// PostgreSQL or the infra/kafka broker this run uses; otherwise it is skipped with the reason.

export type InfraRestart = { done: true; downSeconds: number } | { done: false; reason: string };

const workspaceRoot = join(__dirname, '..', '..');
const localHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => resolve({ code: -1, output: error.message }));
    child.once('exit', (code) => resolve({ code, output }));
  });

const lastLines = (text: string, count = 3) => text.trim().split('\n').slice(-count).join(' | ');

/** The infra/kafka broker's ports when KAFKA_BROKERS is exactly that broker; otherwise why not. */
export const localKafkaBroker = (brokers = process.env.KAFKA_BROKERS ?? ''): { port: string; controllerPort: string } | { reason: string } => {
  const list = brokers.split(',').map((broker) => broker.trim()).filter(Boolean);
  if (list.length !== 1) return { reason: `KAFKA_BROKERS lists ${list.length} brokers, not the single infra/kafka one` };
  const match = /^(.+):(\d+)$/.exec(list[0]);
  if (!match || !localHosts.has(match[1])) return { reason: `KAFKA_BROKERS=${list[0]} is not on this machine` };
  const home = join(workspaceRoot, '.data', 'kafka');
  const pid = existsSync(join(home, 'kafka.pid')) ? readFileSync(join(home, 'kafka.pid'), 'utf8').trim() : '';
  const port = existsSync(join(home, 'kafka.port')) ? readFileSync(join(home, 'kafka.port'), 'utf8').trim() : '';
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // no such process: not ours
  }
  if (!pid || !command.includes(' kafka.Kafka ')) return { reason: `no broker started by infra/kafka/start.sh is running (${home}/kafka.pid)` };
  if (port !== match[2]) return { reason: `KAFKA_BROKERS=${list[0]} is not the infra/kafka broker, which listens on port ${port}` };
  const listeners = /^listeners=(.*)$/m.exec(readFileSync(join(home, 'config', 'server.properties'), 'utf8'))?.[1] ?? '';
  const controllerPort = /CONTROLLER:\/\/[^,]*:(\d+)/.exec(listeners)?.[1];
  if (!controllerPort) return { reason: `cannot read the controller port from ${home}/config/server.properties` };
  return { port, controllerPort };
};

/** Stops the infra/kafka broker (SIGTERM) and starts it again on the same ports, keeping its data. */
export const restartKafkaBroker = async (log: (line: string) => void): Promise<InfraRestart> => {
  const broker = localKafkaBroker();
  if ('reason' in broker) return { done: false, reason: broker.reason };
  const started = Date.now();
  const env = { ...process.env, KAFKA_PORT: broker.port, KAFKA_CONTROLLER_PORT: broker.controllerPort };
  log(`stopping the Kafka broker on port ${broker.port}`);
  const stopped = await run('bash', [join(workspaceRoot, 'infra/kafka/stop.sh')], env);
  if (stopped.code !== 0) throw new Error(`infra/kafka/stop.sh failed (exit ${stopped.code}): ${lastLines(stopped.output)}`);
  log(`Kafka broker stopped after ${((Date.now() - started) / 1000).toFixed(1)} s, starting it again`);
  const restarted = await run('bash', [join(workspaceRoot, 'infra/kafka/start.sh')], env);
  if (restarted.code !== 0) throw new Error(`infra/kafka/start.sh failed (exit ${restarted.code}): ${lastLines(restarted.output)}`);
  return { done: true, downSeconds: (Date.now() - started) / 1000 };
};

/** The `pg_ctlcluster` arguments for the local cluster DATABASE_URL names; otherwise why not. */
export const localPostgresCluster = (databaseUrl = process.env.DATABASE_URL ?? ''): { version: string } | { reason: string } => {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return { reason: 'DATABASE_URL is not set or not a URL' };
  }
  if (!localHosts.has(url.hostname) || (url.port || '5432') !== '5432') return { reason: `DATABASE_URL points to ${url.host}, not the local PostgreSQL at 127.0.0.1:5432` };
  try {
    execFileSync('bash', ['-c', 'command -v pg_ctlcluster'], { stdio: 'ignore' });
  } catch {
    return { reason: 'pg_ctlcluster is not installed' };
  }
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length !== 1) return { reason: `expected one cluster version under /etc/postgresql, found ${versions.length}` };
  return { version: versions[0] };
};

/** `pg_ctlcluster ... restart` (fast shutdown: every connection is cut), then waits until it answers. */
export const restartPostgres = async (log: (line: string) => void): Promise<InfraRestart> => {
  const cluster = localPostgresCluster();
  if ('reason' in cluster) return { done: false, reason: cluster.reason };
  const started = Date.now();
  log(`restarting PostgreSQL ${cluster.version}/main`);
  const restarted = await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, 'main', 'restart']);
  if (restarted.code !== 0) throw new Error(`pg_ctlcluster restart failed (exit ${restarted.code}): ${lastLines(restarted.output)}`);
  for (;;) {
    const ready = await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    if (ready.code === 0) break;
    if (Date.now() - started > 60_000) throw new Error('PostgreSQL did not answer within 60 s of its restart');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { done: true, downSeconds: (Date.now() - started) / 1000 };
};

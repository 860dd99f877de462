// `npm run start:distributed` / `npm run stop:distributed`: the four services as separate processes
// on this machine, each with its own database on the local PostgreSQL and all on one Kafka broker
// (KAFKA_BROKERS, else the local one from infra/kafka). For machines without Docker.
// A second stack beside the first: DISTRIBUTED_PORT (first of four ports, default 3101),
// DISTRIBUTED_DB_PREFIX (database names `<prefix>_leads` …, default crm), DISTRIBUTED_STATE_DIR
// (pids, logs, JWT secret; default .data/distributed) and KAFKA_TOPIC_PREFIX (topics and consumer
// groups; default none). `stop` stops the stack of the DISTRIBUTED_STATE_DIR it is given.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = resolve(root, process.env.DISTRIBUTED_STATE_DIR ?? join('.data', 'distributed'));
const pidFile = join(stateDir, 'pids.json');
const firstPort = Number(process.env.DISTRIBUTED_PORT ?? 3101);
const databasePrefix = process.env.DISTRIBUTED_DB_PREFIX ?? 'crm';
if (!Number.isInteger(firstPort) || firstPort < 1 || firstPort > 65532) {
  console.error(`distributed: DISTRIBUTED_PORT must be a port number, not "${process.env.DISTRIBUTED_PORT}"`);
  process.exit(1);
}
if (!/^[a-z_][a-z0-9_]{0,40}$/.test(databasePrefix)) {
  console.error(`distributed: DISTRIBUTED_DB_PREFIX may hold only lower-case letters, digits and "_", not "${databasePrefix}"`);
  process.exit(1);
}
const services = ['leads', 'opportunities', 'tasks', 'analytics'].map((context, index) => ({ name: `${context}-service`, database: `${databasePrefix}_${context}`, port: firstPort + index }));
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const stop = async () => {
  if (!existsSync(pidFile)) return console.log('distributed: nothing running');
  const pids = JSON.parse(readFileSync(pidFile, 'utf8'));
  for (const { name, pid } of pids) {
    if (!alive(pid)) continue;
    console.log(`distributed: stopping ${name} (${pid})`);
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 30_000;
  while (pids.some(({ pid }) => alive(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const { pid } of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile);
  console.log('distributed: stopped');
};

const start = async () => {
  if (existsSync(pidFile) && JSON.parse(readFileSync(pidFile, 'utf8')).some(({ pid }) => alive(pid))) {
    console.error('distributed: already running (npm run stop:distributed first)');
    process.exit(1);
  }
  mkdirSync(stateDir, { recursive: true });
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    console.error(`distributed: PostgreSQL at ${adminUrl} does not answer (${error.message}); set DATABASE_URL to a server where databases can be created`);
    process.exit(1);
  }
  for (const { database } of services) {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  }
  await admin.end();

  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const started = spawnSync('bash', [join(root, 'infra/kafka/start.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = started.stdout.trim().split('\n').pop() ?? '';
    if (started.status !== 0 || !line.startsWith('KAFKA_BROKERS=')) process.exit(started.status || 1);
    brokers = line.slice('KAFKA_BROKERS='.length);
  }
  const secretFile = join(stateDir, 'jwt-secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  const secret = process.env.JWT_SECRET ?? readFileSync(secretFile, 'utf8').trim();

  if (spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { stdio: 'inherit', env: { ...process.env, CRM_BUILD_QUIET: '1' } }).status !== 0) process.exit(1);
  const pids = [];
  for (const service of services) {
    const url = new URL(adminUrl);
    url.pathname = `/${service.database}`;
    const log = openSync(join(stateDir, `${service.name}.log`), 'a');
    const child = spawn(process.execPath, [join(root, `dist/apps/${service.name}/src/main.js`)], {
      cwd: root,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, DATABASE_URL: url.toString(), KAFKA_BROKERS: brokers, JWT_SECRET: secret, PORT: String(service.port) },
    });
    closeSync(log);
    child.unref();
    pids.push({ name: service.name, pid: child.pid, port: service.port });
  }
  writeFileSync(pidFile, JSON.stringify(pids, null, 2));
  for (const { name, port } of pids) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) {
        console.error(`distributed: ${name} is not ready after 60 s; see ${join(stateDir, `${name}.log`)}`);
        await stop();
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`distributed: ${name} ready on http://127.0.0.1:${port}`);
  }
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'dev-admin', tenant: 'default', roles: ['admin'], iat, exp: iat + 30 * 86400 })}`;
  console.log(`distributed: Kafka at ${brokers}; logs in ${stateDir}; admin token (tenant "default"):\n${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`);
};

await (process.argv[2] === 'stop' ? stop() : start());

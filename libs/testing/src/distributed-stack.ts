import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Client } from 'pg';
import { waitForListening } from './embedded-app';
import { databaseUrl, kafkaBrokers, uniqueName } from './infra';

// The distributed mode as deployed, for end-to-end tests: each service a process with its own
// database, cooperating only through a real Kafka (topics and groups under a fresh prefix).

// From libs/testing/src (Jest) or its compiled copy in dist/libs/testing/src (the benchmarks).
const workspaceRoot = ((above: string) => (basename(above) === 'dist' ? dirname(above) : above))(join(__dirname, '..', '..', '..'));

export const serviceNames = ['leads-service', 'opportunities-service', 'tasks-service', 'analytics-service'] as const;
export type ServiceName = (typeof serviceNames)[number];

export type ServiceProcess = {
  name: ServiceName;
  database: string;
  databaseUrl: string;
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
};

export type Response = { status: number; headers: Headers; body: Record<string, unknown> };

export type DistributedStack = {
  secret: string;
  prefix: string;
  token: (claims?: { sub?: string; tenant?: string; roles?: string[] }) => string;
  /** Creates the service's database (once) and starts the process on a free port. */
  start: (name: ServiceName) => Promise<ServiceProcess>;
  /** Starts the service again on the database it had, as after a crash. */
  restart: (service: ServiceProcess) => Promise<ServiceProcess>;
  kill: (service: ServiceProcess, signal: NodeJS.Signals) => Promise<number | null>;
  call: (service: ServiceProcess, method: string, path: string, body?: unknown, token?: string) => Promise<Response>;
  sql: <Row = Record<string, unknown>>(service: ServiceProcess, text: string, params?: unknown[]) => Promise<Row[]>;
  /** Stops every process still running (SIGTERM) and drops the databases; the exit codes. */
  stop: () => Promise<Array<number | null>>;
};

export type DistributedStackOptions = {
  /** A server where databases can be created; default DATABASE_URL. */
  databaseUrl?: string;
  /** Default KAFKA_BROKERS. */
  kafkaBrokers?: string[];
  /** Topic and consumer-group prefix; default a fresh `e2e_…` one. */
  prefix?: string;
  /** Prepended to the fresh database names (`<databasePrefix><service>_…`). */
  databasePrefix?: string;
  /** More environment for every service process (LOG_LEVEL, RATE_LIMIT_PER_MINUTE, …). */
  env?: Record<string, string>;
  /** How long a service may take to listen; default 60 s. */
  startTimeoutMs?: number;
};

export const createDistributedStack = (options: DistributedStackOptions = {}): DistributedStack => {
  const secret = randomBytes(32).toString('hex');
  const prefix = options.prefix ?? `${uniqueName('e2e')}.`;
  const serverUrl = () => options.databaseUrl ?? databaseUrl();
  const brokers = () => options.kafkaBrokers ?? kafkaBrokers();
  const databases = new Set<string>();
  const running = new Set<ServiceProcess>();
  const exits: Array<Promise<number | null>> = [];

  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  const token: DistributedStack['token'] = (claims = {}) => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = { sub: claims.sub ?? 'u-1', tenant: claims.tenant ?? 'acme', roles: claims.roles ?? ['admin'], iat: Math.floor(Date.now() / 1000) };
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  };
  const adminToken = token();

  const launch = async (name: ServiceName, database: string): Promise<ServiceProcess> => {
    const url = new URL(serverUrl());
    url.pathname = `/${database}`;
    const child = spawn(process.execPath, [join(workspaceRoot, `dist/apps/${name}/src/main.js`)], {
      cwd: workspaceRoot,
      env: { ...process.env, ...options.env, DATABASE_URL: url.toString(), KAFKA_BROKERS: brokers().join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', JWT_SECRET: secret, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const service: ServiceProcess = { name, database, databaseUrl: url.toString(), child, output: () => output, exited, url: '' };
    running.add(service);
    void exited.then(() => running.delete(service));
    service.url = await waitForListening(service, options.startTimeoutMs ?? 60_000);
    return service;
  };

  return {
    secret,
    prefix,
    token,
    start: async (name) => {
      const database = uniqueName(`${options.databasePrefix ?? ''}${name.replace(/-/g, '_')}`).toLowerCase();
      await admin(`CREATE DATABASE "${database}"`);
      databases.add(database);
      return launch(name, database);
    },
    restart: (service) => launch(service.name, service.database),
    kill: async (service, signal) => {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
      return service.exited;
    },
    call: async (service, method, path, body, bearer = adminToken) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    },
    sql: async <Row>(service: ServiceProcess, text: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: service.databaseUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as Row[];
      } finally {
        await client.end();
      }
    },
    stop: async () => {
      for (const service of running) {
        service.child.kill('SIGTERM');
        exits.push(service.exited);
      }
      const codes = await Promise.all(exits);
      for (const database of databases) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      return codes;
    },
  };
};

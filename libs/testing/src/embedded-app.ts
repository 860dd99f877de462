import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';

/** The embedded app (`dist/apps/crm/src/main.js`, what `npm start` runs) started as a child process. */
export type RunningApp = {
  url: string;
  dataDir: string;
  token: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends an authenticated JSON request. */
  request: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; headers: Headers; body: unknown }>;
  stop: () => Promise<number | null>;
};

const workspaceRoot = join(__dirname, '..', '..', '..');

export const spawnApp = (env: Record<string, string>, args: readonly string[] = []): Pick<RunningApp, 'child' | 'output' | 'exited'> => {
  // The app gets its own embedded database, and relays to Kafka only when a test asks: the test
  // run's broker is shared, and its real topics are not the place for test events.
  const { DATABASE_URL: _database, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(workspaceRoot, 'dist/apps/crm/src/main.js'), ...args], { cwd: workspaceRoot, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
};

export const waitForListening = async (app: Pick<RunningApp, 'child' | 'output'>, timeoutMs: number): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(app.output());
    if (match) return match[1];
    if (app.child.exitCode !== null) throw new Error(`app exited early: ${app.output()}`);
    if (Date.now() > deadline) throw new Error(`app did not start within ${timeoutMs} ms: ${app.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** Starts the embedded app on a free port with its own embedded PostgreSQL in a fresh DATA_DIR. */
export const startEmbeddedApp = async (env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'crm-app-'))): Promise<RunningApp> => {
  const spawned = spawnApp({ DATA_DIR: dataDir, PORT: '0', ...env });
  const url = await waitForListening(spawned, 60_000);
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const request: RunningApp['request'] = async (method, path, body, headers = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    ...spawned,
    url,
    dataDir,
    token,
    request,
    stop: async () => {
      if (spawned.child.exitCode === null) spawned.child.kill('SIGTERM');
      const code = await spawned.exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
};

/**
 * A token for another user, tenant or role, signed with the app's development secret (HS256, as a
 * client holding the secret would; written here rather than imported, the platform's tests import
 * this lib).
 */
export const tokenFor = (app: Pick<RunningApp, 'dataDir'>, claims: { sub: string; tenant: string; roles: string[] }): string => {
  const secret = readFileSync(join(app.dataDir, 'jwt-secret'), 'utf8').trim();
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, iat: Math.floor(Date.now() / 1000) })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
};

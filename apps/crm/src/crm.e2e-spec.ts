import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamId } from '@crm/contracts';
import { createPostgresEventStore } from '@crm/postgres-event-store';
import { spawnApp, testEvent, waitForListening } from '@crm/testing';
import { Pool } from 'pg';

// Drives the built embedded app (`node dist/apps/crm/src/main.js`, what `npm start` runs) as a user
// would: its own embedded PostgreSQL in a fresh DATA_DIR, HTTP on a free port.
const start = spawnApp;

const waitForReady = async (url: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (response?.status === 200) return (await response.json()) as { status: string };
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** The embedded database's URL, from the credentials file and the port the app logged. */
const embeddedDatabaseUrl = (dataDir: string, output: string): string => {
  const credentials = JSON.parse(readFileSync(join(dataDir, 'postgres', 'postgres-credentials.json'), 'utf8')) as { user: string; password: string; database: string };
  const ports = [...output.matchAll(/embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/g)];
  const port = ports[ports.length - 1][1];
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${credentials.database}`;
};

describe('embedded app (npm start)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('becomes ready within 60 s, stops cleanly on SIGTERM, and restarts with its data intact', async () => {
    const first = start({ DATA_DIR: dataDir, PORT: '0' });
    const startedAt = Date.now();
    const url = await waitForListening(first, 60_000);
    expect(await waitForReady(url, 60_000 - (Date.now() - startedAt))).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, eventStore: { status: 'up' } } });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const docs = await fetch(`${url}/docs/openapi.json`);
    expect(docs.status).toBe(200);
    expect(((await docs.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty(['/health/ready']);
    const missing = await fetch(`${url}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');

    // Write an event into the app's own store, as its command handlers will.
    const pool = new Pool({ connectionString: embeddedDatabaseUrl(dataDir, first.output()) });
    const store = createPostgresEventStore({ pool });
    const leadId = randomUUID();
    const stream = streamId('lead', leadId);
    const written = await store.appendToStream(stream, [testEvent('LeadCaptured', { leadId, name: 'Ada', email: 'ada@example.com', source: 'web' })], {
      expectedRevision: 'no_stream',
    });
    await pool.end();

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start({ DATA_DIR: dataDir, PORT: '0' });
    try {
      const secondUrl = await waitForListening(second, 60_000);
      await waitForReady(secondUrl, 60_000);
      const again = new Pool({ connectionString: embeddedDatabaseUrl(dataDir, second.output()) });
      const secondStore = createPostgresEventStore({ pool: again });
      const read = await secondStore.readStream(stream);

      // A malformed event (a LeadCaptured without its lead id) is retried a few times by the
      // consumers that cannot digest it, then parked in event_bus.dead_letters: nothing wedges.
      const poison = await secondStore.appendToStream(streamId('lead', randomUUID()), [testEvent('LeadCaptured', { name: 'No Id' })]);
      const deadline = Date.now() + 30_000;
      let parked: Array<{ consumer: string }> = [];
      while (parked.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        parked = (await again.query<{ consumer: string }>('SELECT consumer FROM event_bus.dead_letters WHERE event_id = $1', [poison.events[0].id])).rows;
      }
      await again.end();
      expect(parked.map((row) => row.consumer)).toContain('tasks.related-records');
      expect(read.events.map((event) => [event.id, event.data])).toEqual([[written.events[0].id, { leadId, name: 'Ada', email: 'ada@example.com', source: 'web' }]]);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 180_000);

  it('refuses a port already taken with one clear line and a non-zero exit', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = start({ DATA_DIR: dataDir, PORT: String(port) });
      expect(await started.exited).toBe(1);
      expect(started.output().trim()).toBe(`crm: port ${port} is already in use (set PORT to a free port)`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('refuses an unwritable data directory with one clear line and a non-zero exit', async () => {
    const started = start({ DATA_DIR: '/proc/crm-data', PORT: '0' });
    expect(await started.exited).toBe(1);
    expect(started.output().trim()).toMatch(/^crm: data directory \/proc\/crm-data is not writable \(set DATA_DIR\): \w+$/);
  }, 60_000);
});

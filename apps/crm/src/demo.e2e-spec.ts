import { spawnApp, waitForListening } from '@crm/testing';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm start -- --demo`: the app seeds the demo history into its DATA_DIR before it starts (a small
// one here, DEMO_EVENTS), the analytics API shows it, and a restart with --demo seeds nothing again.

type Kpis = { groups: Array<{ leads: number }> };

const startWithDemo = async (dataDir: string) => {
  const app = spawnApp({ DATA_DIR: dataDir, PORT: '0', DEMO_EVENTS: '1500' }, ['--demo']);
  try {
    const url = await waitForListening(app, 120_000);
    const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    return { ...app, get, stop: async () => (app.child.kill('SIGTERM'), app.exited) };
  } catch (error) {
    app.child.kill('SIGKILL');
    throw error;
  }
};

const leadsIn = (kpis: Kpis) => kpis.groups.reduce((sum, group) => sum + group.leads, 0);

/** The KPIs once the projector has caught up: some leads, no lag, and the same answer twice a second apart. */
const settledKpis = async (get: (path: string) => Promise<{ status: number; body: unknown }>): Promise<Kpis> => {
  let previous: unknown;
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 1_000))) {
    const kpis = await get('/analytics/kpis');
    expect(kpis.status).toBe(200);
    const ready = (await get('/health/ready')).body as { details?: { subscriptions?: { lag?: Record<string, { lagSeconds: number }> } } };
    const caughtUp = ready.details?.subscriptions?.lag?.['analytics.projector']?.lagSeconds === 0;
    if (caughtUp && leadsIn(kpis.body as Kpis) > 0 && JSON.stringify(kpis.body) === JSON.stringify(previous)) return kpis.body as Kpis;
    previous = kpis.body;
  }
  throw new Error('the analytics read models did not settle');
};

describe('npm start -- --demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('seeds the demo history once per data directory, and the analytics API shows it', async () => {
    const first = await startWithDemo(dataDir);
    let seeded: Kpis | undefined;
    try {
      expect(first.output()).toMatch(/demo: seeding tenant "default" in the embedded PostgreSQL/);
      expect(first.output()).toMatch(/demo: 100% ([\d,]+)\/\1 events/); // the progress, to the end
      expect(existsSync(join(dataDir, 'demo-seeded'))).toBe(true);
      // The analytics projector catches up with the history after start-up.
      seeded = await settledKpis(first.get);
      expect(seeded && leadsIn(seeded)).toBeGreaterThan(10);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startWithDemo(dataDir);
    try {
      expect(second.output()).toContain('holds the demo history already');
      expect(second.output()).not.toMatch(/demo: (seeding|completing)/);
      expect(await settledKpis(second.get)).toEqual(seeded);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 300_000);

  it('refuses an unknown argument with a usage line', async () => {
    const app = spawnApp({ DATA_DIR: dataDir, PORT: '0' }, ['--dmeo']);
    expect(await app.exited).toBe(2);
    expect(app.output()).toContain('crm: unknown argument "--dmeo"; usage: npm start [-- --demo]');
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { RunningApp, startEmbeddedApp } from '@crm/testing';

// The dashboard in headless Chromium over an app seeded by the demo loader (`npm run demo`, a
// smaller history): every key number the page shows is the one the analytics APIs answer, every
// chart is drawn, and a screenshot is kept in apps/crm/test-output/dashboard.png.

const workspaceRoot = join(__dirname, '..', '..', '..');
const chromiumPath = '/usr/bin/chromium';
const screenshot = join(workspaceRoot, 'apps/crm/test-output/dashboard.png');
const demoEvents = '12000';

// The page's formatting, applied to the APIs' answers.
const amount = (value: string) => Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (value: number) => value.toLocaleString('en-US');
const percent = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} %`);
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

type AsOf = { totals: Array<{ currency: string; deals: number; amount: string; weighted: string }>; byStage: Array<{ stage: string; currency: string; deals: number }> };
type Funnel = { leads: { steps: Array<{ step: string; count: number }> }; pipeline: { steps: Array<{ step: string; count: number }> } };
type RevenueForecast = { currency: string; groups: Array<{ model: string; history: Array<{ period: string; amount: string }>; forecast: Array<{ period: string; amount: string; lower80: string; upper80: string }> }> };
type Targets = { targets: Array<{ scope: string; scopeId: string; period: string; attainmentPercent: number | null }> };
type OwnerReport = { rankedBy: { wonRevenueIn: string } | null; owners: Array<{ ownerId: string; wonCount: number; wonRevenue: Array<{ currency: string; amount: string }> }> };

/** The demo loader against a fresh data directory, as `npm run demo` runs it (no DATABASE_URL: the embedded database). */
const seed = (dataDir: string) =>
  new Promise<string>((resolve, reject) => {
    const { DATABASE_URL: _database, ...env } = process.env;
    const child = spawn(process.execPath, [join(workspaceRoot, 'tools/demo.mjs')], { cwd: workspaceRoot, env: { ...env, DATA_DIR: dataDir, DEMO_EVENTS: demoEvents }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`the demo loader exited with ${code}: ${output}`))));
  });

const missingBrowser = existsSync(chromiumPath) ? undefined : `${chromiumPath} is missing (apt-get install -y chromium)`;
const describeWithBrowser = (title: string, body: () => void) => {
  if (!missingBrowser) return describe(title, body);
  if (process.env.REQUIRE_INFRA === '1') {
    return describe(title, () => {
      it('has its browser (REQUIRE_INFRA=1)', () => {
        throw new Error(`required infrastructure missing: ${missingBrowser}`);
      });
    });
  }
  // eslint-disable-next-line no-console
  console.warn(`[skipped] ${title}: ${missingBrowser}`);
  return describe.skip(`${title} [skipped: ${missingBrowser}]`, body);
};

describeWithBrowser('the analytics dashboard in headless Chromium (embedded app seeded by the demo loader)', () => {
  let app: RunningApp;
  let browser: Browser;
  let seeded: string;
  let seededAgain: string;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-dashboard-'));
    seeded = await seed(dataDir);
    seededAgain = await seed(dataDir);
    app = await startEmbeddedApp({}, dataDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  const get = async <T>(path: string): Promise<T> => {
    const response = await app.request('GET', path);
    expect([path, response.status]).toEqual([path, 200]);
    return response.body as T;
  };

  /** Waits until the read models hold everything up to `position`: the seeded history, projected at start-up. */
  const caughtUp = async (position: number) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const response = await app.request('GET', `/analytics/funnel?minPosition=${position}`);
      if (response.status === 200) return;
      if (response.status !== 503 || Date.now() > deadline) throw new Error(`analytics did not catch up with ${position}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  };

  const shown = async (page: Page, testId: string) => {
    const element = page.getByTestId(testId);
    return { value: await element.getAttribute('data-value', { timeout: 1_000 }), text: (await element.textContent({ timeout: 1_000 }))?.trim() };
  };

  it('seeds two years of history with a progress report, once, and not under a running app', async () => {
    expect(seeded).toMatch(/demo: seeding tenant "default" in the embedded PostgreSQL .*: [\d,]+ events from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
    expect(seeded).toContain('demo: 100% ');
    expect(seeded).toMatch(/npm start\n[\s\S]*\/dashboard#token=\$\(cat .*dev-token\)/);
    expect(seededAgain).toMatch(/already holds the demo history .*: nothing to do/);
    await expect(seed(app.dataDir)).rejects.toThrow(/is in use by process \d+ \(is `npm start` running on this DATA_DIR\?\)/);
  }, 60_000);

  it('shows the numbers the analytics APIs answer, draws every chart, and is saved as a screenshot', async () => {
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
    // A command of our own, after the seeded history: its position is one the read models must reach.
    const target = await app.request('PUT', '/analytics/targets', { ownerId: 'rep-01', period: month, amount: '100000.00', currency: 'EUR' });
    expect(target.status).toBe(200);
    await caughtUp((target.body as { position: number }).position);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${app.url}/dashboard#token=${app.token}`);
    await page.locator('[data-testid="dashboard"][data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    expect(page.url()).toBe(`${app.url}/dashboard`); // the token left the address bar

    const [asOf, funnel, forecast, quarterTargets, monthTargets] = await Promise.all([
      get<AsOf>(`/analytics/pipeline/as-of?date=${today}&limit=1`),
      get<Funnel>('/analytics/funnel'),
      get<RevenueForecast>('/analytics/forecast/revenue?model=auto&horizon=6'),
      get<Targets>(`/analytics/targets?period=${quarter}`),
      get<Targets>(`/analytics/targets?period=${month}`),
    ]);

    // Pipeline: open deals per stage and in all, open and weighted amounts.
    expect(asOf.byStage.length).toBeGreaterThan(0);
    for (const stage of new Set(asOf.byStage.map((row) => row.stage))) {
      const deals = asOf.byStage.filter((row) => row.stage === stage).reduce((sum, row) => sum + row.deals, 0);
      expect([stage, await shown(page, `pipeline-deals-${slug(stage)}`)]).toEqual([stage, { value: String(deals), text: `${count(deals)} deals` }]);
    }
    const open = asOf.totals.reduce((sum, row) => sum + row.deals, 0);
    expect(await shown(page, 'pipeline-open-deals')).toEqual({ value: String(open), text: count(open) });
    for (const row of asOf.totals) {
      expect(await shown(page, `pipeline-amount-${slug(row.currency)}`)).toEqual({ value: row.amount, text: amount(row.amount) });
      expect(await shown(page, `pipeline-weighted-${slug(row.currency)}`)).toEqual({ value: row.weighted, text: amount(row.weighted) });
    }

    // Funnel: every step of leads and deals.
    for (const [kind, steps] of [['leads', funnel.leads.steps], ['deals', funnel.pipeline.steps]] as const) {
      for (const step of steps) expect([step.step, await shown(page, `funnel-${kind}-${slug(step.step)}`)]).toEqual([step.step, { value: String(step.count), text: count(step.count) }]);
    }
    expect(funnel.pipeline.steps[funnel.pipeline.steps.length - 1].count).toBeGreaterThan(0);

    // Won revenue: the last month of history and the next month's forecast with its 80 % interval.
    const [revenue] = forecast.groups;
    const last = revenue.history[revenue.history.length - 1];
    expect(revenue.history.length).toBeGreaterThanOrEqual(12);
    expect(await shown(page, 'revenue-last-month')).toEqual({ value: last.amount, text: `${amount(last.amount)} ${forecast.currency}` });
    const next = revenue.forecast[0];
    expect(await shown(page, 'revenue-next-forecast')).toEqual({ value: next.amount, text: `${amount(next.amount)} ${forecast.currency}` });
    expect(await shown(page, 'revenue-next-interval80')).toEqual({ value: `${next.lower80}/${next.upper80}`, text: `${amount(next.lower80)} – ${amount(next.upper80)}` });
    expect(await shown(page, 'revenue-model')).toEqual({ value: revenue.model, text: revenue.model });

    // Attainment per owner: the quarter's owner targets, else the month's (the demo sets them monthly).
    const quarterOwned = quarterTargets.targets.filter((entry) => entry.scope === 'owner');
    const owned = quarterOwned.length ? quarterOwned : monthTargets.targets.filter((entry) => entry.scope === 'owner');
    expect(owned.map((entry) => entry.scopeId)).toContain('rep-01');
    for (const entry of owned) {
      expect([entry.scopeId, await shown(page, `attainment-owner-${slug(entry.scopeId)}`)]).toEqual([entry.scopeId, { value: String(entry.attainmentPercent), text: percent(entry.attainmentPercent) }]);
    }

    // Won revenue per owner, over the same period.
    const report = await get<OwnerReport>(`/analytics/reports/owners?period=${owned[0].period}`);
    const currency = report.rankedBy?.wonRevenueIn;
    for (const owner of report.owners) {
      const won = owner.wonRevenue.find((entry) => entry.currency === currency)?.amount ?? '0.00';
      expect([owner.ownerId, await shown(page, `owner-won-${slug(owner.ownerId)}`)]).toEqual([owner.ownerId, { value: won, text: `${amount(won)} (${count(owner.wonCount)} won)` }]);
    }
    expect(await page.locator('li.problem').count()).toBe(0);

    // Every chart drawn: its canvas has painted a good share of its pixels.
    const painted = await page.evaluate<Array<{ id: string; painted: number; area: number }>>(`[...document.querySelectorAll('canvas')].map((canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { id: canvas.id, painted, area: canvas.width * canvas.height };
    })`);
    expect(painted.map((canvas) => canvas.id)).toEqual(['pipeline-chart', 'funnel-chart', 'revenue-chart', 'targets-chart', 'owners-chart']);
    for (const canvas of painted) expect([canvas.id, canvas.painted > canvas.area * 0.02]).toEqual([canvas.id, true]);

    mkdirSync(join(workspaceRoot, 'apps/crm/test-output'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
    await page.close();
  }, 180_000);

  it('says so when there is no token, or when the token is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard`);
    await page.locator('[data-testid="dashboard"][data-state="no-token"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auth-message').textContent()).toContain('There is no token');
    await page.goto(`${app.url}/dashboard#token=not-a-token`);
    await page.reload(); // the fragment alone does not reload the page
    await page.locator('[data-testid="dashboard"][data-state="unauthorized"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auth-message').textContent()).toContain('refused (401)');
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('crm-dashboard-token')`)).toBeNull();
    await page.close();
  });
});

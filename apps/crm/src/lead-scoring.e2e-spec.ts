import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventData, NewEvent, streamId } from '@crm/contracts';
import { seededRandom } from '@crm/numerics';
import { createPostgresEventStore } from '@crm/postgres-event-store';
import { RunningApp, startEmbeddedApp } from '@crm/testing';
import { Pool } from 'pg';

const metadata = { tenantId: 'default', actor: { id: 'importer', role: 'integration' as const }, correlationId: 'import-1', causationId: 'import-1' };

/** 5,000 decided leads whose conversion follows a known logistic function of a few attributes. */
const generateLeads = (count: number) => {
  const random = seededRandom(7);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  return Array.from({ length: count }, () => {
    const companySize = Math.round(Math.exp(2 + random() * 7));
    const industry = pick(['software', 'retail', 'finance', 'health', 'energy']);
    const title = pick(['CEO', 'VP Sales', 'Director IT', 'Manager', 'Engineer']);
    const plan = pick(['free', 'team', 'enterprise']);
    const visits = Math.floor(random() * 8);
    const z = -2.2 + 0.9 * Math.log10(companySize) + (industry === 'software' ? 1.1 : industry === 'retail' ? -0.8 : 0) + (title === 'CEO' || title === 'VP Sales' ? 0.9 : 0) + (plan === 'enterprise' ? 1.2 : plan === 'free' ? -1 : 0) + 0.35 * visits;
    const converted = random() < 1 / (1 + Math.exp(-2 * z));
    return { companySize, industry, title, plan, visits, converted };
  });
};

const event = (type: EventData['type'], data: unknown): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, occurredAt: '2026-01-15T10:00:00.000Z', metadata, data });

describe('learned lead scoring (embedded app)', () => {
  let app: RunningApp;
  let pool: Pool;

  beforeAll(async () => {
    app = await startEmbeddedApp();
    const credentials = JSON.parse(readFileSync(join(app.dataDir, 'postgres', 'postgres-credentials.json'), 'utf8')) as { user: string; password: string; database: string };
    const port = /embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/.exec(app.output())?.[1];
    pool = new Pool({ connectionString: `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${credentials.database}`, max: 8 });
  }, 90_000);
  afterAll(async () => {
    await pool.end();
    expect(await app.stop()).toBe(0);
  });

  it('refuses to train without decided leads', async () => {
    const response = await app.request('POST', '/scoring/model/train', {});
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'not-enough-outcomes' });
    expect((await app.request('POST', '/scoring/model/train', { holdoutFraction: 0.9 })).status).toBe(400);
  });

  it('trains on 5,000 generated leads to a hold-out AUC of at least 0.85, then scores with the model', async () => {
    const store = createPostgresEventStore({ pool });
    const leads = generateLeads(5000);
    let next = 0;
    let last = 0;
    const importer = async () => {
      while (next < leads.length) {
        const lead = leads[next++];
        const leadId = randomUUID();
        const events = [
          event('LeadCaptured', { leadId, name: `Lead ${leadId.slice(0, 8)}`, email: `${leadId}@example.com`, companySize: lead.companySize, industry: lead.industry, title: lead.title, source: 'web', attributes: { plan: lead.plan } }),
          ...(lead.visits ? [event('LeadEngagementRecorded', { leadId, engagementType: 'website_visit', count: lead.visits })] : []),
          lead.converted
            ? event('LeadConverted', { leadId, opportunityId: randomUUID(), opportunityName: 'x', accountName: 'x', amount: { amountMinor: 100_000, currency: 'EUR' }, productType: 'platform', expectedCloseDate: '2026-06-30', source: 'web' })
            : event('LeadDisqualified', { leadId, reason: 'no fit' }),
        ];
        last = Math.max(last, (await store.appendToStream(streamId('lead', leadId), events, { expectedRevision: 'no_stream' })).position);
      }
    };
    await Promise.all(Array.from({ length: 8 }, importer));
    // Wait until the read model has every imported lead.
    // Until the read model has every imported lead (503 means: not yet).
    for (let status = 0, tries = 0; status !== 200; tries++) {
      status = (await app.request('GET', `/leads?limit=1&minPosition=${last}`)).status;
      expect(status === 200 || (status === 503 && tries < 12)).toBe(true);
    }

    const open = await app.request('POST', '/leads', { name: 'Open Lead', email: 'open@example.com', source: 'web', companySize: 2000, industry: 'software', title: 'CEO', attributes: { plan: 'enterprise' } });
    expect((open.body as { scoring: { modelVersion: string | null } }).scoring.modelVersion).toBeNull();

    const trained = await app.request('POST', '/scoring/model/train', { holdoutFraction: 0.25 });
    expect(trained.status).toBe(201);
    const report = trained.body as { modelVersion: string; metrics: { auc: number; accuracy: number; logLoss: number; trainingRows: number; holdoutRows: number }; weights: Array<{ feature: string; weight: number }>; durationMs: number };
    expect(report.metrics.trainingRows + report.metrics.holdoutRows).toBe(5000);
    expect(report.metrics.holdoutRows).toBe(1250);
    expect(report.metrics.auc).toBeGreaterThanOrEqual(0.85);
    expect(Number.isFinite(report.metrics.logLoss)).toBe(true);
    // The learned weights point the way the generator does (each level relative to the most frequent one).
    const weight = (feature: string) => report.weights.find((w) => w.feature === feature)?.weight;
    expect(weight('companySize')).toBeGreaterThan(0);
    expect(weight('engaged_website_visit')).toBeGreaterThan(0);
    expect(weight('attr_plan=free')).toBeLessThan(0);
    expect(weight('industry=retail')).toBeLessThan(0);
    // eslint-disable-next-line no-console
    console.log(`lead model: AUC ${report.metrics.auc.toFixed(3)}, accuracy ${report.metrics.accuracy.toFixed(3)}, ${report.durationMs} ms`);

    const active = await app.request('GET', '/scoring/model');
    expect(active.body).toMatchObject({ active: { modelVersion: report.modelVersion } });

    // The open lead is rescored by the model, naming its version.
    const openId = (open.body as { id: string }).id;
    const deadline = Date.now() + 30_000;
    let scoring: { modelVersion: string | null; probability: number | null } = { modelVersion: null, probability: null };
    while (Date.now() < deadline && scoring.modelVersion !== report.modelVersion) {
      scoring = ((await app.request('GET', `/leads/${openId}`)).body as { scoring: typeof scoring }).scoring;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(scoring.modelVersion).toBe(report.modelVersion);
    expect(scoring.probability).toBeGreaterThan(0.5);
    const fresh = await app.request('POST', '/leads', { name: 'Cold Lead', email: 'cold@example.com', source: 'web', companySize: 8, industry: 'retail', title: 'Engineer', attributes: { plan: 'free' } });
    expect(fresh.body).toMatchObject({ scoring: { modelVersion: report.modelVersion } });
    expect((fresh.body as { scoring: { probability: number } }).scoring.probability).toBeLessThan(scoring.probability ?? 1);
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Problem = { status: number; errors?: Array<{ field: string; messages: string[] }>; [key: string]: unknown };


const today = () => new Date().toISOString().slice(0, 10);
const thisMonth = () => new Date().toISOString().slice(0, 7);

describe('analytics over HTTP (embedded app)', () => {
  let app: RunningApp;
  const tenant = `analytics-${randomUUID().slice(0, 8)}`;
  const as = (roles: string[], sub = 'mgr-1') => {
    const authorization = `Bearer ${tokenFor(app, { sub, tenant, roles })}`;
    return (method: string, path: string, body?: unknown) => app.request(method, path, body, { authorization });
  };
  let admin: ReturnType<typeof as>;
  let rep: ReturnType<typeof as>;

  beforeAll(async () => {
    app = await startEmbeddedApp();
    admin = as(['admin']);
    rep = as(['rep'], 'rep-1');
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('reflects a lead converted, moved through the pipeline and won, and reads its own writes', async () => {
    const member = await admin('PUT', '/team/members/rep-1', { name: 'Rep One', email: 'rep1@example.com', role: 'rep', managerId: 'mgr-1', teamId: 'team-a', region: 'EMEA', productLines: ['platform'], active: true });
    expect(member.status).toBe(201);
    const lead = await admin('POST', '/leads', { name: 'Ada', email: `ada-${randomUUID()}@example.com`, source: 'web', company: 'Engines' });
    expect(lead.status).toBe(201);
    const leadId = (lead.body as { id: string }).id;
    expect((await admin('POST', `/leads/${leadId}/assign`, { ownerId: 'rep-1' })).status).toBe(200);
    expect((await admin('POST', `/leads/${leadId}/qualify`)).status).toBe(200);
    const converted = await admin('POST', `/leads/${leadId}/convert`, { amount: '48000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2030-12-31' });
    expect(converted.status).toBe(201);
    const { opportunityId } = converted.body as { opportunityId: string };

    const deadline = Date.now() + 5_000;
    let deal = await admin('GET', `/opportunities/${opportunityId}`);
    while (deal.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      deal = await admin('GET', `/opportunities/${opportunityId}`);
    }
    expect(deal.status).toBe(200);
    expect((await admin('POST', `/opportunities/${opportunityId}/stage`, { stage: 'Proposal' })).status).toBe(200);
    expect((await admin('POST', `/opportunities/${opportunityId}/stage`, { stage: 'Qualification' })).status).toBe(200);
    const won = await admin('POST', `/opportunities/${opportunityId}/win`, { amount: '50000.00', currency: 'EUR' });
    expect(won.status).toBe(200);
    const position = (won.body as { position: number }).position;

    const cost = await admin('PUT', '/analytics/costs', { source: 'web', period: thisMonth(), amount: '1000.00', currency: 'EUR' });
    expect(cost.status).toBe(200);
    const target = await admin('PUT', '/analytics/targets', { ownerId: 'rep-1', period: thisMonth(), amount: '100000.00', currency: 'EUR' });
    expect(target.status).toBe(200);
    const last = Math.max(position, (cost.body as { position: number }).position, (target.body as { position: number }).position);

    const kpis = await admin('GET', `/analytics/kpis?from=${today()}&to=${today()}&groupBy=source&minPosition=${last}`);
    expect(kpis.status).toBe(200);
    const [web] = (kpis.body as { groups: Array<Record<string, unknown> & { byCurrency: Array<Record<string, unknown>> }> }).groups;
    expect(web).toMatchObject({ key: 'web', leads: 1, qualified: 1, converted: 1, leadConversionRate: 1, opportunities: 1, won: 1, lost: 0, winRate: 1 });
    expect(web.byCurrency).toEqual([expect.objectContaining({ currency: 'EUR', wonRevenue: '50000.00', averageDealSize: '50000.00', marketingCost: expect.any(String), cac: expect.any(String) })]);

    const funnel = await admin('GET', `/analytics/funnel?from=${today()}&to=${today()}&minPosition=${last}`);
    const pipelineSteps = (funnel.body as { pipeline: { steps: Array<{ step: string; count: number }> } }).pipeline.steps;
    // It went Prospecting → Proposal → back to Qualification → won: every stage up to Proposal was reached.
    expect(pipelineSteps.map((step) => [step.step, step.count])).toEqual([
      ['opened', 1],
      ['Prospecting', 1],
      ['Qualification', 1],
      ['Proposal', 1],
      ['Negotiation', 1],
      ['won', 1],
    ]);

    const targets = await admin('GET', `/analytics/targets?period=${thisMonth()}&minPosition=${last}`);
    expect((targets.body as { targets: unknown[] }).targets).toEqual([expect.objectContaining({ scope: 'owner', scopeId: 'rep-1', target: '100000.00', achieved: '50000.00', attainmentPercent: 50, gap: '50000.00' })]);
    const byTeam = await admin('GET', `/analytics/kpis?from=${today()}&to=${today()}&groupBy=team`);
    expect((byTeam.body as { groups: Array<{ key: string | null; won: number }> }).groups).toEqual([expect.objectContaining({ key: 'team-a', won: 1 })]);

    const audit = await admin('GET', `/audit?stream=opportunity-${opportunityId}&minPosition=${last}`);
    expect(audit.status).toBe(200);
    const items = (audit.body as { items: Array<{ type: string; actor: { id: string } }> }).items;
    expect(items.map((item) => item.type)).toEqual(['OpportunityOpened', 'OpportunityStageChanged', 'OpportunityStageChanged', 'OpportunityWon']);
    expect(items[3].actor.id).toBe('mgr-1');

    const changes = await admin('GET', `/analytics/pipeline/changes?from=${today()}&to=${today()}`);
    expect(changes.body).toMatchObject({ added: { count: 1 }, advanced: { count: 1 }, slipped: { count: 1 }, won: { count: 1, amounts: [{ currency: 'EUR', amount: '50000.00' }] } });
    const asOf = await admin('GET', `/analytics/pipeline/as-of?date=${today()}`);
    expect(asOf.body).toMatchObject({ totals: [], deals: [] });

    const stageModel = await admin('GET', '/analytics/stage-probabilities?minSamples=1');
    expect(stageModel.status).toBe(200);
    // Prospecting → Proposal → Qualification → Won: each stage left once, towards a win.
    expect((stageModel.body as { stages: Array<{ stage: string; winProbability: number; samples: number }> }).stages.slice(0, 3)).toEqual([
      expect.objectContaining({ stage: 'Prospecting', samples: 1, winProbability: 1 }),
      expect.objectContaining({ stage: 'Qualification', samples: 1, winProbability: 1 }),
      expect.objectContaining({ stage: 'Proposal', samples: 1, winProbability: 1 }),
    ]);
    const next = new Date();
    next.setUTCMonth(next.getUTCMonth() + 1, 1);
    const forecast = await admin('GET', `/analytics/forecast/pipeline?period=${next.toISOString().slice(0, 7)}&currency=EUR&draws=1000`);
    expect(forecast.status).toBe(200);
    expect(forecast.body).toMatchObject({ currency: 'EUR', expected: '0.00', monteCarlo: { draws: 1000, seed: 1 } });
    // Won today: no complete month of revenue yet to model.
    expect((await admin('GET', '/analytics/forecast/revenue?currency=EUR')).status).toBe(422);
    const drivers = await admin('GET', '/analytics/forecast/revenue?currency=EUR&model=drivers');
    expect([drivers.status, (drivers.body as Problem).title]).toEqual([422, expect.stringMatching(/won before the current month/)]);
  });

  it('rejects bad queries and commands with 4xx and records nothing', async () => {
    const auditBefore = (await admin('GET', '/audit?type=TargetSet&limit=1000')).body as { items: unknown[] };
    const cases: Array<[ReturnType<typeof as>, string, string, unknown, number, string?]> = [
      [admin, 'GET', '/analytics/kpis?groupBy=planet', undefined, 400, 'groupBy'],
      [admin, 'GET', '/analytics/kpis?from=2026-03-01&to=2026-02-01', undefined, 400, 'to'],
      [admin, 'GET', '/analytics/kpis?from=2026-02-30', undefined, 400, 'from'],
      [admin, 'GET', '/analytics/kpis?period=2026-Q1&from=2026-01-01', undefined, 400, 'period'],
      [admin, 'GET', '/analytics/kpis?period=2026-Q5', undefined, 400, 'period'],
      [admin, 'GET', '/analytics/kpis?minPosition=-1', undefined, 400, 'minPosition'],
      [admin, 'GET', '/analytics/targets', undefined, 400, 'period'],
      [admin, 'GET', '/analytics/pipeline/as-of?date=yesterday', undefined, 400, 'date'],
      [admin, 'GET', '/audit?cursor=bm90LWEtY3Vyc29y', undefined, 400],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-1', teamId: 'team-a', period: '2026-Q1', amount: '1.00' }, 400, 'ownerId'],
      [admin, 'PUT', '/analytics/targets', { period: '2026-Q1', amount: '1.00' }, 400, 'ownerId'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-1', period: '2026-Q1', amount: '-5' }, 400, 'amount'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-1', period: '2026-Q1', amount: '1.00', currency: 'JPY' }, 400, 'amount'],
      [admin, 'PUT', '/analytics/costs', { source: 'web', period: '2026-01', amount: '1.00', extra: true }, 400, 'extra'],
      [admin, 'PUT', '/analytics/costs', { source: 'Web Site', period: '2026-01', amount: '1.00' }, 400, 'source'],
      [rep, 'PUT', '/analytics/targets', { ownerId: 'rep-1', period: '2026-Q1', amount: '1.00' }, 403],
      [rep, 'PUT', '/analytics/costs', { source: 'web', period: '2026-01', amount: '1.00' }, 403],
      [rep, 'GET', '/audit', undefined, 403],
      [admin, 'GET', '/analytics/forecast/pipeline?period=2020-01', undefined, 422],
      [admin, 'GET', '/analytics/forecast/pipeline', undefined, 400, 'period'],
      [admin, 'GET', '/analytics/forecast/revenue?model=sarimax', undefined, 400, 'model'],
      [admin, 'GET', '/analytics/forecast/revenue?model=drivers&granularity=week', undefined, 400, 'granularity'],
      [admin, 'GET', '/analytics/forecast/revenue?model=drivers&groupBy=owner', undefined, 400, 'groupBy'],
      [admin, 'GET', '/analytics/forecast/revenue?horizon=0', undefined, 400, 'horizon'],
      [admin, 'GET', '/analytics/stage-probabilities?minSamples=0', undefined, 400, 'minSamples'],
      [rep, 'POST', '/analytics/forecast/snapshots', { period: '2030-Q1' }, 403],
    ];
    for (const [client, method, path, body, status, field] of cases) {
      const response = await client(method, path, body);
      expect([path, response.status]).toEqual([path, status]);
      if (field) expect((response.body as Problem).errors?.map((error) => error.field)).toContain(field);
    }
    const unauthenticated = await app.request('GET', '/analytics/kpis', undefined, { authorization: '' });
    expect(unauthenticated.status).toBe(401);
    const auditAfter = (await admin('GET', '/audit?type=TargetSet&limit=1000')).body as { items: unknown[] };
    expect(auditAfter.items).toHaveLength(auditBefore.items.length);
  });
});

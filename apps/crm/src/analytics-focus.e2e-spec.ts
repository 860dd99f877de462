import { randomUUID } from 'node:crypto';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

// Activity targets, the activity plan and the focus list over HTTP: attainment equals the
// activities counted by hand, a rep sees only their own plan and list, bad input is a 400 that
// records nothing, and the focus list appends nothing.

type Problem = { status: number; errors?: Array<{ field: string; messages: string[] }> };
type Client = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

const thisMonth = () => new Date().toISOString().slice(0, 7);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('activity targets and the focus list over HTTP (embedded app)', () => {
  let app: RunningApp;
  const tenant = `focus-${randomUUID().slice(0, 8)}`;
  const as = (roles: string[], sub: string): Client => {
    const authorization = `Bearer ${tokenFor(app, { sub, tenant, roles })}`;
    return (method, path, body) => app.request(method, path, body, { authorization });
  };
  let admin: Client;
  let manager: Client;
  let repF: Client;
  let repG: Client;
  let last = 0;
  const ids: Record<string, string> = {};
  const period = thisMonth();

  const positionOf = (response: { body: unknown }) => {
    const position = (response.body as { position?: number }).position;
    if (typeof position === 'number') last = Math.max(last, position);
  };
  const auditCount = async (type?: string) => ((await admin('GET', `/audit?limit=1000${type ? `&type=${type}` : ''}&minPosition=${last}`)).body as { items: unknown[] }).items.length;

  /** Logs an activity, retrying while the tasks context has not yet seen the record (or its new owner). */
  const logActivity = async (client: Client, type: string, related: { type: string; id: string }, occurredAt: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await client('POST', '/activities', { type, related, summary: `${type} about it`, occurredAt });
      if (response.status === 201 || Date.now() > deadline) {
        expect(response.status).toBe(201);
        positionOf(response);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    app = await startEmbeddedApp();
    admin = as(['admin'], 'admin-1');
    manager = as(['manager'], 'mgr-1');
    repF = as(['rep'], 'rep-f');
    repG = as(['rep'], 'rep-g');

    const lead = await admin('POST', '/leads', { name: 'Grace', email: `grace-${randomUUID()}@example.com`, source: 'web', company: 'Compilers', ownerId: 'rep-f', estimatedValue: { amount: '30000.00', currency: 'EUR' } });
    expect(lead.status).toBe(201);
    ids.lead = (lead.body as { id: string }).id;
    positionOf(lead);
    const open = async (key: string, ownerId: string, amount: string, stage: string, expectedCloseDate: string) => {
      const deal = await admin('POST', '/opportunities', { name: `Deal ${key}`, accountName: 'Account', amount, currency: 'EUR', productType: 'platform', ownerId, stage, expectedCloseDate });
      expect(deal.status).toBe(201);
      ids[key] = (deal.body as { id: string }).id;
      positionOf(deal);
    };
    // Default pipeline: Prospecting 10 %, Negotiation 80 %.
    await open('far', 'rep-f', '100000.00', 'Prospecting', inDays(365));
    await open('near', 'rep-f', '20000.00', 'Negotiation', inDays(10));
    await open('other', 'rep-g', '90000.00', 'Negotiation', inDays(5));
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('measures activity targets and the activity plan against the activities counted by hand', async () => {
    for (const body of [
      { ownerId: 'rep-f', period, metric: 'calls', count: 10 },
      { ownerId: 'rep-f', period, amount: '50000.00', currency: 'EUR' },
    ]) {
      const response = await admin('PUT', '/analytics/targets', body);
      expect(response.status).toBe(200);
      positionOf(response);
    }
    const ratios = await manager('PUT', '/analytics/activity-ratios', { per: '1000.00', currency: 'EUR', calls: 4, meetings: 1.5 });
    expect(ratios.status).toBe(200);
    expect(ratios.body).toMatchObject({ per: '1000.00', currency: 'EUR', ratios: { calls: 4, meetings: 1.5 } });
    positionOf(ratios);

    // By hand: rep-f logs 3 calls, 2 meetings and 1 e-mail this month, and 1 call 40 days ago
    // (last month); rep-g logs 1 call. rep-f's month: calls 3, meetings 2, e-mails 1.
    const recently = new Date(Date.now() - 60_000).toISOString();
    const lead = { type: 'lead', id: ids.lead };
    const near = { type: 'opportunity', id: ids.near };
    await logActivity(repF, 'call', lead, recently);
    await logActivity(repF, 'call', near, recently);
    await logActivity(repF, 'call', near, recently);
    await logActivity(repF, 'meeting', near, recently);
    await logActivity(repF, 'meeting', lead, recently);
    await logActivity(repF, 'email', lead, recently);
    await logActivity(repF, 'call', lead, new Date(Date.now() - 40 * 86_400_000).toISOString());
    await logActivity(repG, 'call', { type: 'opportunity', id: ids.other }, recently);

    const targets = await repF('GET', `/analytics/targets?period=${period}&minPosition=${last}`);
    expect(targets.status).toBe(200);
    const byMetric = Object.fromEntries((targets.body as { targets: Array<{ metric: string; scopeId: string }> }).targets.map((target) => [target.metric, target]));
    expect(byMetric.calls).toEqual({ scope: 'owner', scopeId: 'rep-f', period, metric: 'calls', target: 10, achieved: 3, attainmentPercent: 30, gap: 7 });
    expect(byMetric.revenue).toMatchObject({ scopeId: 'rep-f', target: '50000.00', achieved: '0.00' });

    // 50,000.00 ÷ 1,000.00 × 4 calls = 200; × 1.5 meetings = 75.
    const plan = await repF('GET', `/analytics/targets/activity-plan?ownerId=rep-f&period=${period}&minPosition=${last}`);
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({
      ownerId: 'rep-f',
      period,
      achieved: { calls: 3, meetings: 2, emails: 1 },
      plans: [
        {
          currency: 'EUR',
          revenueTarget: '50000.00',
          per: '1000.00',
          activities: [
            { metric: 'calls', activityType: 'call', ratio: 4, planned: 200, achieved: 3, attainmentPercent: 1.5, remaining: 197 },
            { metric: 'meetings', activityType: 'meeting', ratio: 1.5, planned: 75, achieved: 2, attainmentPercent: (2 / 75) * 100, remaining: 73 },
          ],
        },
      ],
      targets: [{ metric: 'calls', target: 10, achieved: 3, attainmentPercent: 30 }],
    });
    const managers = await manager('GET', `/analytics/targets/activity-plan?ownerId=rep-f&period=${period}`);
    expect(managers.status).toBe(200);
    expect((await repG('GET', `/analytics/targets/activity-plan?ownerId=rep-f&period=${period}`)).status).toBe(403);
  });

  it('ranks the owner’s open deals and leads, only for themself or a manager, and appends nothing', async () => {
    const before = await auditCount();
    const focus = await repF('GET', `/analytics/focus?ownerId=rep-f&minPosition=${last}`);
    expect(focus.status).toBe(200);
    type Item = { kind: string; id: string; priority: number; nextAction: string; reason: string; winProbability: number; components: Record<string, number | null> };
    const { items } = focus.body as { items: Item[] };
    expect(items.map((item) => item.id).sort()).toEqual([ids.lead, ids.far, ids.near].sort());
    // "near": 20,000 × 0.8 = 16,000 expected, closing in about 10 days; "far": 100,000 × 0.1, a year out.
    expect(items[0]).toMatchObject({ kind: 'deal', id: ids.near, winProbability: 0.8, nextAction: 'proposal', components: { expectedValue: 16000, staleness: expect.any(Number) } });
    expect(items[0].reason).toMatch(/^EUR 16000\.00 expected \(EUR 20000\.00 at 80 %\); closing in (9|10) days/);
    for (let index = 1; index < items.length; index += 1) expect(items[index - 1].priority).toBeGreaterThanOrEqual(items[index].priority);
    const far = items.find((item) => item.id === ids.far) as Item;
    // priority = expected value × close proximity × staleness (× a lead's trend); the components are rounded in the response.
    const product = (far.components.expectedValue as number) * (far.components.closeProximity as number) * (far.components.staleness as number);
    expect(Math.abs(far.priority - product) / product).toBeLessThan(1e-3);
    expect(items.find((item) => item.id === ids.lead)).toMatchObject({ kind: 'lead', components: { daysToClose: null, closeProximity: 0.25 } });

    expect((await manager('GET', '/analytics/focus?ownerId=rep-f&limit=1')).body).toMatchObject({ total: 3, items: [{ id: ids.near }] });
    expect((await admin('GET', '/analytics/focus?ownerId=rep-g')).body).toMatchObject({ items: [{ id: ids.other }] });
    const forbidden = await repF('GET', '/analytics/focus?ownerId=rep-g');
    expect(forbidden.status).toBe(403);
    // Reading the list created nothing.
    expect(await auditCount()).toBe(before);
  });

  it('rejects bad queries and commands with 4xx and records nothing', async () => {
    const targetsBefore = await auditCount('TargetSet');
    const ratiosBefore = await auditCount('ActivityRatiosSet');
    const cases: Array<[Client, string, string, unknown, number, string?]> = [
      [admin, 'GET', '/analytics/focus', undefined, 400, 'ownerId'],
      [admin, 'GET', '/analytics/focus?ownerId=bad%20id!', undefined, 400, 'ownerId'],
      [admin, 'GET', '/analytics/focus?ownerId=rep-f&limit=0', undefined, 400, 'limit'],
      [admin, 'GET', '/analytics/focus?ownerId=rep-f&colour=red', undefined, 400, 'colour'],
      [admin, 'GET', `/analytics/targets/activity-plan?ownerId=rep-f&period=2026-13`, undefined, 400, 'period'],
      [admin, 'GET', `/analytics/targets/activity-plan?ownerId=rep-f`, undefined, 400, 'period'],
      [admin, 'GET', `/analytics/targets/activity-plan?ownerId=%2Fetc&period=${period}`, undefined, 400, 'ownerId'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'calls', count: 5, amount: '1.00' }, 400, 'amount'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'calls' }, 400, 'count'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'calls', count: -1 }, 400, 'count'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'calls', count: 2.5 }, 400, 'count'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'lunches', count: 5 }, 400, 'metric'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, amount: '1.00', count: 5 }, 400, 'count'],
      [admin, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period: '2026-Q5', metric: 'meetings', count: 5 }, 400, 'period'],
      [admin, 'PUT', '/analytics/activity-ratios', { calls: 4 }, 400, 'per'],
      [admin, 'PUT', '/analytics/activity-ratios', { per: '1000.00' }, 400, 'calls'],
      [admin, 'PUT', '/analytics/activity-ratios', { per: '0.00', calls: 4 }, 400, 'per'],
      [admin, 'PUT', '/analytics/activity-ratios', { per: '1000.00', calls: -4 }, 400, 'calls'],
      [admin, 'PUT', '/analytics/activity-ratios', { per: '1000.00', calls: 'many' }, 400, 'calls'],
      [admin, 'PUT', '/analytics/activity-ratios', { per: '1000.00', calls: 4, lunches: 1 }, 400, 'lunches'],
      [repF, 'PUT', '/analytics/activity-ratios', { per: '1000.00', calls: 4 }, 403],
      [repF, 'PUT', '/analytics/targets', { ownerId: 'rep-f', period, metric: 'calls', count: 100 }, 403],
      [repF, 'GET', `/analytics/targets/activity-plan?ownerId=rep-g&period=${period}`, undefined, 403],
    ];
    for (const [client, method, path, body, status, field] of cases) {
      const response = await client(method, path, body);
      expect([method, path, body, response.status]).toEqual([method, path, body, status]);
      if (field) expect((response.body as Problem).errors?.map((error) => error.field)).toContain(field);
    }
    expect(await auditCount('TargetSet')).toBe(targetsBefore);
    expect(await auditCount('ActivityRatiosSet')).toBe(ratiosBefore);
  });
});

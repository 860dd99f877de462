import { randomUUID } from 'node:crypto';
import { ActorRole, EventMetadata, streamId, StreamCategory } from '@crm/contracts';
import { storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { committedHead, createTestSchema, describeWithInfra } from '@crm/testing';
import { Pool } from 'pg';
import { AnalyticsConsumers } from './analytics.consumers';
import { AnalyticsService } from './analytics.service';
import { projectedTables } from './analytics.schema';

// Hand-computed fixtures: one quarter (2026-Q1) of a small sales team, with a backdated import, a
// deal that is won, reopened and won again, a deal that slips back, two currencies, and marketing
// costs that only partly overlap the quarter. Days are at noon UTC, so cycles are whole days.

const day = (date: string) => `${date}T12:00:00.000Z`;
const stages = [
  { name: 'Prospecting', probability: 10, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Qualification', probability: 25, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Proposal', probability: 50, forecastCategory: 'Best Case', idleDays: 14 },
  { name: 'Negotiation', probability: 75, forecastCategory: 'Commit', idleDays: 14 },
];
const probabilityOf = (stage: string) => stages.find((entry) => entry.name === stage)!.probability;
const eur = (major: number) => ({ amountMinor: major * 100, currency: 'EUR' });
const usd = (major: number) => ({ amountMinor: major * 100, currency: 'USD' });

describeWithInfra(['postgres'], 'analytics read models against PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: AnalyticsService;
  let consumers: RunningConsumers | undefined;
  let bus: ReturnType<typeof storeEventBus>;
  const startConsumers = async () => (consumers = await startEventConsumers(bus, [AnalyticsConsumers], [{ provide: AnalyticsService, useValue: service }]));
  let now = new Date('2026-06-01T00:00:00.000Z');
  const tenantId = `tenant-${randomUUID()}`;
  let lastPosition = 0;

  const append = async (category: StreamCategory, id: string, type: string, data: object, occurredAt: string, actor = 'rep-a', role: ActorRole = 'rep') => {
    const metadata: EventMetadata = { tenantId, actor: { id: actor, role }, correlationId: randomUUID(), causationId: randomUUID() };
    const result = await store.appendToStream(streamId(category, id), [{ id: randomUUID(), type, schemaVersion: 1, occurredAt, metadata, data }]);
    lastPosition = Math.max(lastPosition, result.position);
  };

  const lead = async (id: string, source: string, ownerId: string | undefined, steps: Array<[string, string, object?]>) => {
    const [first, ...rest] = steps;
    await append('lead', id, 'LeadCaptured', { leadId: id, source, name: `Lead ${id.slice(0, 4)}`, ...(ownerId ? { ownerId } : {}) }, day(first[1]));
    for (const [type, date, data] of rest) {
      const payload =
        type === 'working' ? ['LeadStatusChanged', { leadId: id, from: 'new', to: 'working' }] : type === 'qualified' ? ['LeadQualified', { leadId: id }] : type === 'disqualified' ? ['LeadDisqualified', { leadId: id, reason: 'no budget' }] : ['LeadConverted', { leadId: id, ...data }];
      await append('lead', id, payload[0] as string, payload[1] as object, day(date));
    }
  };

  const deal = async (id: string, opened: { date: string; stage: string; amount: { amountMinor: number; currency: string }; ownerId: string; productType: string; leadId?: string; closeDate?: string }) => {
    await append(
      'opportunity',
      id,
      'OpportunityOpened',
      {
        opportunityId: id,
        name: `Deal ${id.slice(0, 4)}`,
        accountName: 'Account',
        amount: opened.amount,
        productType: opened.productType,
        ownerId: opened.ownerId,
        stage: opened.stage,
        probability: probabilityOf(opened.stage),
        forecastCategory: 'Pipeline',
        expectedCloseDate: opened.closeDate ?? '2026-06-30',
        ...(opened.leadId ? { leadId: opened.leadId } : {}),
      },
      day(opened.date),
      opened.ownerId,
    );
  };
  const move = (id: string, from: string, to: string, date: string) =>
    append('opportunity', id, 'OpportunityStageChanged', { opportunityId: id, from, to, direction: probabilityOf(to) > probabilityOf(from) ? 'forward' : 'backward', probability: probabilityOf(to), forecastCategory: 'Pipeline' }, day(date));
  const win = (id: string, fromStage: string, amount: { amountMinor: number; currency: string }, date: string) => append('opportunity', id, 'OpportunityWon', { opportunityId: id, amount, fromStage }, day(date));

  const ids = { L1: randomUUID(), L2: randomUUID(), L3: randomUUID(), L4: randomUUID(), L5: randomUUID(), D1: randomUUID(), D2: randomUUID(), D3: randomUUID(), D4: randomUUID(), D5: randomUUID(), D6: randomUUID() };

  const seed = async () => {
    await append('pipeline', randomUUID(), 'PipelineStagesDefined', { stages }, day('2025-12-01'), 'admin-1', 'admin');
    await append('team', 'rep-a', 'TeamMemberUpserted', { memberId: 'rep-a', name: 'A', email: 'a@x.io', role: 'rep', managerId: 'mgr-1', teamId: 't-1', region: 'EMEA', productLines: [], active: true }, day('2025-12-01'), 'admin-1', 'admin');
    await append('team', 'rep-b', 'TeamMemberUpserted', { memberId: 'rep-b', name: 'B', email: 'b@x.io', role: 'rep', managerId: 'mgr-1', teamId: 't-1', region: 'NA', productLines: [], active: true }, day('2025-12-01'), 'admin-1', 'admin');

    const conversion = (opportunityId: string, source: string) => ({ opportunityId, opportunityName: 'x', accountName: 'x', amount: eur(1), productType: 'platform', expectedCloseDate: '2026-06-30', source });
    await lead(ids.L1, 'web', 'rep-a', [['captured', '2026-01-05'], ['working', '2026-01-06'], ['qualified', '2026-01-10'], ['converted', '2026-01-15', conversion(ids.D1, 'web')]]);
    await lead(ids.L2, 'web', 'rep-a', [['captured', '2026-01-20'], ['working', '2026-01-21'], ['disqualified', '2026-01-25']]);
    await lead(ids.L3, 'event', 'rep-b', [['captured', '2026-02-01'], ['working', '2026-02-02'], ['qualified', '2026-02-05'], ['converted', '2026-02-10', conversion(ids.D2, 'event')]]);
    // Imported later with its real (earlier) dates: it belongs to 2025-Q4's cohort.
    await lead(ids.L4, 'event', 'rep-b', [['captured', '2025-12-20'], ['working', '2025-12-21'], ['qualified', '2025-12-22'], ['converted', '2026-01-10', conversion(ids.D3, 'event')]]);
    await lead(ids.L5, 'web', undefined, [['captured', '2026-03-30']]);

    await deal(ids.D1, { date: '2026-01-15', stage: 'Prospecting', amount: eur(10_000), ownerId: 'rep-a', productType: 'platform', leadId: ids.L1 });
    await move(ids.D1, 'Prospecting', 'Qualification', '2026-01-20');
    await move(ids.D1, 'Qualification', 'Proposal', '2026-02-01');
    await win(ids.D1, 'Proposal', eur(12_000), '2026-02-14');

    await deal(ids.D2, { date: '2026-02-10', stage: 'Prospecting', amount: eur(20_000), ownerId: 'rep-b', productType: 'platform', leadId: ids.L3 });
    await move(ids.D2, 'Prospecting', 'Proposal', '2026-02-20');
    await move(ids.D2, 'Proposal', 'Qualification', '2026-03-01');
    await append('opportunity', ids.D2, 'OpportunityLost', { opportunityId: ids.D2, reason: 'price', fromStage: 'Qualification' }, day('2026-03-10'));

    await deal(ids.D3, { date: '2026-01-10', stage: 'Prospecting', amount: eur(5_000), ownerId: 'rep-b', productType: 'support', leadId: ids.L4 });
    await win(ids.D3, 'Prospecting', eur(5_000), '2026-01-20');
    await append('opportunity', ids.D3, 'OpportunityReopened', { opportunityId: ids.D3, previousStatus: 'won', stage: 'Prospecting', probability: 10, forecastCategory: 'Pipeline' }, day('2026-02-01'));
    await win(ids.D3, 'Prospecting', eur(6_000), '2026-03-05');

    await deal(ids.D4, { date: '2026-03-01', stage: 'Negotiation', amount: usd(8_000), ownerId: 'rep-a', productType: 'platform' });
    await deal(ids.D5, { date: '2026-03-15', stage: 'Qualification', amount: eur(4_000), ownerId: 'rep-a', productType: 'support', closeDate: '2026-05-31' });
    await deal(ids.D6, { date: '2026-03-01', stage: 'Proposal', amount: eur(3_000), ownerId: 'rep-b', productType: 'support' });
    await win(ids.D6, 'Proposal', eur(3_000), '2026-03-03');

    const task = async (assigneeId: string, due: string, done: string, onTime: boolean) => {
      const id = randomUUID();
      await append('task', id, 'TaskCreated', { taskId: id, title: 'Call', taskType: 'call', assigneeId, related: { type: 'opportunity', id: ids.D1 }, dueAt: day(due), priority: 'normal' }, day('2026-01-02'));
      await append('task', id, 'TaskCompleted', { taskId: id, onTime, assigneeId, dueAt: day(due) }, day(done), assigneeId);
    };
    await task('rep-a', '2026-02-01', '2026-01-30', true);
    await task('rep-a', '2026-02-01', '2026-02-03', false);
    await task('rep-b', '2026-02-01', '2026-01-31', true);
    const activity = (actor: string, date: string) => {
      const id = randomUUID();
      return append('activity', id, 'ActivityLogged', { activityId: id, activityType: 'call', related: { type: 'opportunity', id: ids.D2 }, summary: 'call' }, day(date), actor);
    };
    await activity('rep-a', '2026-01-16');
    await activity('rep-b', '2026-02-11');
    await activity('rep-b', '2026-02-12');
  };

  beforeAll(async () => {
    ({ pool, schema, drop } = await createTestSchema('analytics'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    bus = storeEventBus(store);
    service = new AnalyticsService(store, pool, bus, { schema, clock: () => now });
    await service.onModuleInit();
    await startConsumers();
    await seed();
    const context = (actor: string) => ({ metadata: { tenantId, actor: { id: actor, role: 'admin' as const }, correlationId: 'c', causationId: 'c' }, now: day('2026-01-01') });
    await service.recordCost({ source: 'web', period: '2026-Q1', amount: '3000.00', currency: 'EUR' }, context('admin-1'));
    await service.recordCost({ source: 'event', period: '2026-01', amount: '1000.00', currency: 'EUR' }, context('admin-1'));
    await service.recordCost({ source: 'event', period: '2026-04', amount: '500.00', currency: 'EUR' }, context('admin-1'));
    await service.setTarget({ scope: 'owner', scopeId: 'rep-a', period: '2026-Q1', amount: '20000.00', currency: 'EUR' }, context('admin-1'));
    await service.setTarget({ scope: 'team', scopeId: 't-1', period: '2026-Q1', amount: '30000.00', currency: 'EUR' }, context('admin-1'));
    const last = await service.setTarget({ scope: 'owner', scopeId: 'rep-a', period: '2026-Q2', amount: '10000.00', currency: 'EUR' }, context('admin-1'));
    await service.waitFor(Math.max(lastPosition, last.position ?? 0), 10_000);
  });
  afterAll(async () => {
    await consumers?.close();
    await service?.onModuleDestroy();
    await store?.close();
    await drop?.();
  });

  const q1 = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };

  it('computes the quarter’s KPIs as worked out by hand', async () => {
    const { groups } = await service.readModels.kpis(tenantId, q1);
    expect(groups).toHaveLength(1);
    const [all] = groups;
    // Cohort: L1, L2, L3, L5 (L4 was captured in December); L1 and L3 got qualified and converted.
    expect(all).toMatchObject({ leads: 4, qualified: 2, converted: 2, leadConversionRate: 0.5, opportunities: 6, won: 3, lost: 1, winRate: 0.75, openDeals: 2 });
    // Cycles of D1, D3 (opened 01-10, won for good 03-05) and D6: 30, 54 and 2 days.
    expect(all.medianSalesCycleDays).toBe(30);
    expect(all.averageSalesCycleDays).toBeCloseTo(86 / 3, 10);
    const [eurFigures, usdFigures] = all.byCurrency;
    expect(eurFigures).toMatchObject({
      currency: 'EUR',
      wonDeals: 3,
      wonRevenue: '21000.00',
      averageDealSize: '7000.00',
      openDeals: 1,
      openPipelineValue: '4000.00',
      weightedPipelineValue: '1000.00',
      // 1 × 0.75 × 7,000 ÷ (86/3) days
      pipelineVelocityPerDay: '183.14',
      // web 3,000 (Q1) + event 1,000 (January); April's 500 is outside. 4,000 ÷ 3 customers.
      marketingCost: '4000.00',
      cac: '1333.33',
    });
    expect(usdFigures).toMatchObject({ currency: 'USD', wonRevenue: '0.00', averageDealSize: null, openPipelineValue: '8000.00', weightedPipelineValue: '6000.00', pipelineVelocityPerDay: null });
    expect(usdFigures.reasons.averageDealSize).toMatch(/no deal in USD was won/);
  });

  it('reports an empty period with nulls and reasons, never a division by zero', async () => {
    const { groups } = await service.readModels.kpis(tenantId, { from: new Date('2025-07-01T00:00:00Z'), to: new Date('2025-10-01T00:00:00Z') });
    expect(groups).toEqual([
      expect.objectContaining({ leads: 0, leadConversionRate: null, won: 0, lost: 0, winRate: null, medianSalesCycleDays: null, averageSalesCycleDays: null, byCurrency: [] }),
    ]);
    expect(groups[0].reasons).toEqual({
      leadConversionRate: 'no lead was captured in the period',
      winRate: 'no deal was won or lost in the period',
      medianSalesCycleDays: 'no deal was won in the period',
      averageSalesCycleDays: 'no deal was won in the period',
    });
  });

  it('puts a backdated import in the period it happened', async () => {
    const { groups } = await service.readModels.kpis(tenantId, { from: new Date('2025-10-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') });
    expect(groups[0]).toMatchObject({ leads: 1, qualified: 1, converted: 1, leadConversionRate: 1, opportunities: 0 });
  });

  it('groups by source with CAC per source, and by team and manager through the directory', async () => {
    const bySource = (await service.readModels.kpis(tenantId, q1, 'source')).groups;
    expect(bySource.map((group) => [group.key, group.won, group.byCurrency.find((entry) => entry.currency === 'EUR')?.cac ?? null])).toEqual([
      ['direct', 1, null],
      ['event', 1, '1000.00'],
      ['web', 1, '3000.00'],
    ]);
    expect(bySource[0].byCurrency.find((entry) => entry.currency === 'EUR')?.reasons.cac).toBe('no marketing cost was recorded for the period');
    const byTeam = (await service.readModels.kpis(tenantId, q1, 'team')).groups;
    expect(byTeam.map((group) => [group.key, group.leads, group.won, group.lost])).toEqual([
      [null, 1, 0, 0],
      ['t-1', 3, 3, 1],
    ]);
    const byOwner = (await service.readModels.kpis(tenantId, q1, 'owner')).groups;
    expect(byOwner.map((group) => [group.key, group.leads, group.won, group.lost])).toEqual([
      [null, 1, 0, 0],
      ['rep-a', 2, 1, 0],
      ['rep-b', 1, 2, 1],
    ]);
    expect(byOwner[1].byCurrency.find((entry) => entry.currency === 'EUR')?.reasons.cac).toMatch(/group by source/);
  });

  it('counts funnel steps as reached, not only as current', async () => {
    const funnel = await service.readModels.funnel(tenantId, q1);
    expect(funnel.leads.steps.map((step) => [step.step, step.count])).toEqual([['captured', 4], ['working', 3], ['qualified', 2], ['converted', 2]]);
    expect(funnel.leads.steps[1].conversionFromPrevious).toBe(0.75);
    expect(funnel.leads.disqualified).toBe(1);
    expect(funnel.pipeline.steps.map((step) => [step.step, step.count])).toEqual([
      ['opened', 6],
      ['Prospecting', 6],
      ['Qualification', 6],
      ['Proposal', 5],
      ['Negotiation', 4],
      ['won', 3],
    ]);
  });

  it('reports products, the owners’ leaderboard and stage durations', async () => {
    const products = await service.readModels.productReport(tenantId, q1);
    expect(products.products).toEqual([
      expect.objectContaining({ productType: 'platform', wonCount: 1, winRate: 0.5, meanSalesCycleDays: 30, won: [{ currency: 'EUR', amount: '12000.00' }], openPipeline: [{ currency: 'USD', amount: '8000.00', deals: 1 }] }),
      expect.objectContaining({ productType: 'support', wonCount: 2, winRate: 1, meanSalesCycleDays: 28, won: [{ currency: 'EUR', amount: '9000.00' }], openPipeline: [{ currency: 'EUR', amount: '4000.00', deals: 1 }] }),
    ]);
    const owners = await service.readModels.ownerReport(tenantId, q1);
    expect(owners.rankedBy).toEqual({ wonRevenueIn: 'EUR' });
    expect(owners.owners).toEqual([
      { rank: 1, ownerId: 'rep-a', wonRevenue: [{ currency: 'EUR', amount: '12000.00' }], wonCount: 1, winRate: 1, activitiesLogged: 1, tasksDone: 2, tasksDoneOnTimePercent: 50 },
      { rank: 2, ownerId: 'rep-b', wonRevenue: [{ currency: 'EUR', amount: '9000.00' }], wonCount: 2, winRate: 2 / 3, activitiesLogged: 2, tasksDone: 1, tasksDoneOnTimePercent: 100 },
    ]);
    const durations = await service.readModels.stageDurations(tenantId, q1);
    expect(durations.stages.map((stage) => [stage.stage, stage.completedStays, stage.medianDays])).toEqual([
      ['Prospecting', 4, 10],
      ['Qualification', 2, 10.5],
      ['Proposal', 3, 9],
    ]);
  });

  it('measures targets against won revenue, with a forecast while the period runs', async () => {
    const q1Targets = await service.readModels.targets(tenantId, '2026-Q1');
    expect(q1Targets.targets).toEqual([
      expect.objectContaining({ scope: 'owner', scopeId: 'rep-a', target: '20000.00', achieved: '12000.00', attainmentPercent: 60, gap: '8000.00', forecast: '12000.00' }),
      expect.objectContaining({ scope: 'team', scopeId: 't-1', target: '30000.00', achieved: '21000.00', attainmentPercent: 70, gap: '9000.00' }),
    ]);
    now = new Date('2026-04-15T00:00:00.000Z');
    try {
      const q2 = await service.readModels.targets(tenantId, '2026-Q2');
      // D5 (EUR 4,000 at 25%, closing 2026-05-31) is rep-a's only EUR deal expected in the quarter.
      expect(q2.targets).toEqual([expect.objectContaining({ scopeId: 'rep-a', achieved: '0.00', attainmentPercent: 0, forecast: '1000.00', forecastAttainmentPercent: 10 })]);
    } finally {
      now = new Date('2026-06-01T00:00:00.000Z');
    }
  });

  it('shows the pipeline as it stood at the end of a day, and the changes between two days', async () => {
    const asOf = await service.readModels.pipelineAsOf(tenantId, new Date('2026-02-16T00:00:00Z'), { limit: 100 });
    // D1 was won on 02-14; D2 was still in Prospecting (it reached Proposal on 02-20); D3 was reopened on 02-01.
    expect(asOf.totals).toEqual([{ currency: 'EUR', deals: 2, amount: '25000.00', weighted: '2500.00' }]);
    expect(asOf.deals.map((entry) => [entry.opportunityId, entry.stage, entry.amount]).sort()).toEqual(
      [
        [ids.D2, 'Prospecting', '20000.00'],
        [ids.D3, 'Prospecting', '5000.00'],
      ].sort(),
    );
    const changes = (await service.readModels.pipelineChanges(tenantId, { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') })) as Record<string, { count: number; amounts: unknown[] }>;
    expect([changes.added.count, changes.advanced.count, changes.slipped.count, changes.won.count, changes.lost.count, changes.reopened.count]).toEqual([1, 2, 0, 1, 0, 1]);
    expect(changes.won.amounts).toEqual([{ currency: 'EUR', amount: '12000.00' }]);
  });

  it('lists every context’s events in the audit trail, filtered and paginated', async () => {
    const first = await service.readModels.audit(tenantId, { range: { from: new Date(0), to: new Date('2100-01-01') }, type: 'OpportunityWon', limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await service.readModels.audit(tenantId, { range: { from: new Date(0), to: new Date('2100-01-01') }, type: 'OpportunityWon', limit: 2, after: first.next! });
    expect(second.items).toHaveLength(2);
    expect(second.next).toBeNull();
    expect(new Set([...first.items, ...second.items].map((item) => item.eventId)).size).toBe(4);
    const byActor = await service.readModels.audit(tenantId, { range: { from: new Date(0), to: new Date('2100-01-01') }, actor: 'admin-1', limit: 100 });
    expect(byActor.items.map((item) => item.type)).toEqual(expect.arrayContaining(['PipelineStagesDefined', 'TeamMemberUpserted', 'MarketingCostRecorded', 'TargetSet']));
  });

  it('learns stage win probabilities from the stage history, as solved by hand', async () => {
    // Prospecting → Qualification, Proposal, Won ×2; Qualification → Proposal, Lost; Proposal → Won ×2,
    // Qualification; Negotiation never left (its default, 75 %). P(Proposal) = 2/3 + P(Qualification)/3,
    // P(Qualification) = P(Proposal)/2 → 0.8 and 0.4; P(Prospecting) = (0.4 + 0.8 + 2)/4 = 0.8.
    const learned = await service.forecasts.stageProbabilities(tenantId, 1);
    expect(learned.ignoredTransitions).toBe(1); // D3 reopened: out of Won
    const byStage = Object.fromEntries(learned.stages.map((stage) => [stage.stage, stage]));
    expect(byStage.Prospecting).toMatchObject({ samples: 4, source: 'learned', transitions: { Qualification: 1, Proposal: 1, Won: 2 } });
    expect(byStage.Prospecting.winProbability).toBeCloseTo(0.8, 12);
    expect(byStage.Qualification.winProbability).toBeCloseTo(0.4, 12);
    expect(byStage.Qualification.conditionalAdvance).toBe(0.5);
    expect(byStage.Proposal.winProbability).toBeCloseTo(0.8, 12);
    expect(byStage.Negotiation).toMatchObject({ samples: 0, source: 'stage-default', winProbability: 0.75 });
    // With the default minimum of 20 transitions every stage keeps its default.
    expect((await service.forecasts.stageProbabilities(tenantId, 20)).stages.map((stage) => stage.source)).toEqual(['stage-default', 'stage-default', 'stage-default', 'stage-default']);
  });

  it('forecasts a coming quarter from the open pipeline, reproducibly, and records snapshots whose accuracy shows once it is over', async () => {
    // D5 (EUR 4,000, Qualification at its default 25 %) is older than every won deal's cycle, and
    // its expected close date falls before the quarter's end: it closes in it if it is won.
    const forecast = await service.forecasts.pipelineForecast(tenantId, '2026-Q3', { currency: 'EUR', draws: 5_000, seed: 7, minSamples: 20 });
    expect(forecast).toMatchObject({ currency: 'EUR', expected: '1000.00', closedWon: '0.00', openPipelineExpected: '1000.00' });
    expect(forecast.byCategory.Pipeline).toEqual({ deals: 1, amount: '4000.00', expected: '1000.00' });
    expect(forecast.byOwner['rep-a']).toEqual({ deals: 1, amount: '4000.00', expected: '1000.00' });
    expect(forecast.byTeam['t-1']).toEqual({ deals: 1, amount: '4000.00', expected: '1000.00' });
    expect(forecast.monteCarlo).toMatchObject({ p10: '0.00', p90: '4000.00' });
    expect(await service.forecasts.pipelineForecast(tenantId, '2026-Q3', { currency: 'EUR', draws: 5_000, seed: 7, minSamples: 20 })).toEqual(forecast);
    await expect(service.forecasts.pipelineForecast(tenantId, '2026-Q1', { draws: 100, seed: 1, minSamples: 20 })).rejects.toThrow(/is over/);

    const revenue = await service.forecasts.revenueForecast(tenantId, { horizon: 3, model: 'auto', granularity: 'month', currency: 'EUR' });
    const [all] = revenue.groups;
    // Won EUR by month from the first win to May: February 12,000, March 9,000, April and May nothing.
    expect(all.history).toEqual([
      { period: '2026-02', amount: '12000.00' },
      { period: '2026-03', amount: '9000.00' },
      { period: '2026-04', amount: '0.00' },
      { period: '2026-05', amount: '0.00' },
    ]);
    expect(all.forecast.map((step) => step.period)).toEqual(['2026-06', '2026-07', '2026-08']);
    for (const step of all.forecast) expect(Number(step.lower95) <= Number(step.lower80) && Number(step.lower80) <= Number(step.amount) && Number(step.amount) <= Number(step.upper80) && Number(step.upper80) <= Number(step.upper95)).toBe(true);
    await expect(service.forecasts.revenueForecast(tenantId, { horizon: 3, model: 'holt-winters-additive', granularity: 'month', currency: 'EUR' })).rejects.toThrow(/cannot be fitted/);

    const context = { metadata: { tenantId, actor: { id: 'admin-1', role: 'admin' as const }, correlationId: 'c', causationId: 'c' }, now: now.toISOString() };
    const recorded = await service.recordForecasts('2026-Q3', 'EUR', context);
    expect(recorded.map((entry) => entry.method)).toEqual(['pipeline', expect.stringMatching(/^revenue:/)]);
    // Recorded again the same day: nothing new.
    expect((await service.recordForecasts('2026-Q3', 'EUR', context)).map((entry) => entry.position)).toEqual([null, null]);
    await service.waitFor(Math.max(...recorded.map((entry) => entry.position ?? 0)), 10_000);
    expect((await service.forecasts.accuracy(tenantId)).snapshots).toEqual([]);
    now = new Date('2026-10-02T00:00:00.000Z');
    try {
      const accuracy = await service.forecasts.accuracy(tenantId, '2026-Q3');
      expect(accuracy.snapshots).toEqual([
        expect.objectContaining({ period: '2026-Q3', method: 'pipeline', forecast: '1000.00', actual: '0.00', error: '1000.00', absolutePercentError: null, withinP10P90: true }),
        expect.objectContaining({ period: '2026-Q3', method: recorded[1].method, actual: '0.00' }),
      ]);
      expect(accuracy.methods[0]).toMatchObject({ method: 'pipeline', snapshots: 1, currency: 'EUR', meanAbsoluteError: '1000.00', bias: '1000.00', meanAbsolutePercentError: null, mapeNote: 'undefined: a period had no won revenue' });
    } finally {
      now = new Date('2026-06-01T00:00:00.000Z');
    }
  });

  it('measures activity targets and the activity plan against the activities logged, and ranks the focus list without writing', async () => {
    const context = { metadata: { tenantId, actor: { id: 'admin-1', role: 'admin' as const }, correlationId: 'c', causationId: 'c' }, now: now.toISOString() };
    await service.setActivityTarget({ scope: 'owner', scopeId: 'rep-a', period: '2026-01', metric: 'calls', count: 2 }, context);
    await service.setActivityTarget({ scope: 'team', scopeId: 't-1', period: '2026-Q1', metric: 'meetings', count: 5 }, context);
    const ratios = await service.setActivityRatios({ per: '1000.00', currency: 'EUR', ratios: { calls: 2, meetings: 0.5 } }, context);
    // L6: rep-a's lead, worth EUR 10,000, scored 20 then 50 (+30 within the 30-day window), called two days before "now".
    const l6 = randomUUID();
    await append('lead', l6, 'LeadCaptured', { leadId: l6, source: 'web', name: 'Lead six', ownerId: 'rep-a', estimatedValue: eur(10_000) }, day('2026-04-01'));
    await append('lead', l6, 'LeadScored', { leadId: l6, score: 20, contributions: { engagement: 20 } }, day('2026-04-01'));
    await append('lead', l6, 'LeadScored', { leadId: l6, score: 50, contributions: { engagement: 50 } }, day('2026-05-25'));
    const call = randomUUID();
    await append('activity', call, 'ActivityLogged', { activityId: call, activityType: 'call', related: { type: 'lead', id: l6 }, summary: 'call' }, day('2026-05-30'));
    await service.waitFor(Math.max(lastPosition, ratios.position ?? 0), 10_000);

    // January: rep-a logged one call (01-16) → 1 of 2. Q1: no meetings at all in team t-1 → 0 of 5.
    expect((await service.readModels.targets(tenantId, '2026-01')).targets).toEqual([
      { scope: 'owner', scopeId: 'rep-a', period: '2026-01', metric: 'calls', target: 2, achieved: 1, attainmentPercent: 50, gap: 1 },
    ]);
    expect((await service.readModels.targets(tenantId, '2026-Q1')).targets.map((target) => [target.scopeId, target.metric, target.achieved])).toEqual([
      ['rep-a', 'revenue', '12000.00'],
      ['t-1', 'revenue', '21000.00'],
      ['t-1', 'meetings', 0],
    ]);
    // Q1 revenue target EUR 20,000 at 2 calls and 0.5 meetings per EUR 1,000: 40 calls and 10 meetings planned.
    const plan = await service.readModels.activityPlan(tenantId, 'rep-a', '2026-Q1');
    expect(plan.plans).toEqual([
      {
        currency: 'EUR',
        revenueTarget: '20000.00',
        per: '1000.00',
        activities: [
          { metric: 'calls', activityType: 'call', ratio: 2, planned: 40, achieved: 1, attainmentPercent: 2.5, remaining: 39 },
          { metric: 'meetings', activityType: 'meeting', ratio: 0.5, planned: 10, achieved: 0, attainmentPercent: 0, remaining: 10 },
        ],
      },
    ]);
    expect((await service.readModels.activityPlan(tenantId, 'rep-b', '2026-Q1')).reasons).toEqual({ plans: 'rep-b has no revenue target for 2026-Q1' });

    // Now 2026-06-01, stage defaults (fewer than 20 transitions). D4: USD 8,000 × 0.75, closing in 29 days, untouched
    // since 03-01 (staleness capped at 3) → 6,000 × 30/59 × 3; D5: EUR 4,000 × 0.25, close date passed, untouched since
    // 03-15 → 1,000 × 1 × 3; L6: 10,000 × 0.5 × 0.25 (no close date) × (1 + 1.5/30) × 1.3.
    const head = await committedHead(pool, schema);
    const focus = await service.focus(tenantId, 'rep-a', { minSamples: 20, limit: 10 });
    expect(focus.items.map((item) => [item.kind, item.id, item.nextAction])).toEqual([
      ['deal', ids.D4, 're-engage'],
      ['deal', ids.D5, 're-engage'],
      ['lead', l6, 'call'],
    ]);
    expect(focus.items.map((item) => item.priority)).toEqual([Math.round(((6000 * 30) / 59) * 3 * 100) / 100, 3000, 1706.25]);
    expect(focus.items[2]).toMatchObject({ value: '10000.00', valueSource: 'estimated', winProbability: 0.5, probabilitySource: 'lead-score', components: { scoreTrend: 30, trend: 1.3, daysSinceTouch: 1.5 } });
    expect(focus.items[0]).toMatchObject({ currency: 'USD', value: '8000.00', winProbability: 0.75, probabilitySource: 'stage-model', components: { expectedValue: 6000, daysToClose: 29, staleness: 3 } });
    // Learned probabilities (minSamples 1): Negotiation keeps 0.75, Qualification is learned at 0.4.
    const learned = await service.focus(tenantId, 'rep-a', { minSamples: 1, limit: 10 });
    expect(learned.items.find((item) => item.id === ids.D5)?.winProbability).toBeCloseTo(0.4, 4);
    expect((await service.focus(tenantId, 'rep-a', { minSamples: 20, limit: 1 })).items).toHaveLength(1);
    expect(await committedHead(pool, schema)).toBe(head);
  });

  it('rebuilds every read model, from the store or from its event log, to the same rows', async () => {
    const snapshot = async () => {
      const result: Record<string, unknown[]> = {};
      for (const table of [...projectedTables, 'event_log']) {
        const columns = table === 'event_log' ? 'event_id, tenant_id, stream_id, type, revision, occurred_at, data' : '*';
        result[table] = (await pool.query(`SELECT ${columns} FROM "${schema}".${table} t ORDER BY 1, 2, 3, t::text`)).rows;
      }
      return result;
    };
    const before = await snapshot();
    expect(before.deal_events.length).toBeGreaterThan(10);
    const progress: number[] = [];
    const fromStore = await service.rebuild('store', (step) => progress.push(step.applied), 7);
    expect(progress.length).toBeGreaterThan(3);
    expect(fromStore.applied).toBe(before.event_log.length);
    expect(await snapshot()).toEqual(before);
    await service.rebuild('event-log', undefined, 5);
    expect(await snapshot()).toEqual(before);
    // Redelivering everything after a rebuild changes nothing: the event log is the ledger.
    await pool.query(`UPDATE "${schema}".subscription_checkpoints SET position = 0 WHERE name LIKE 'analytics.%'`);
    await consumers?.close();
    await service.onModuleDestroy();
    await service.onModuleInit();
    await startConsumers();
    await service.waitFor(lastPosition, 10_000);
    expect(await snapshot()).toEqual(before);
  });
});

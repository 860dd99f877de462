import { randomUUID } from 'node:crypto';
import { categoryOf, formatMoney, OpportunityOpened, OpportunityReopened, OpportunityStageChanged, OpportunityUpdated, OpportunityWon } from '@crm/contracts';
import { storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { appendConcurrently, createTestSchema, describeWithInfra, GeneratedEvent, generateCrmHistoryArray } from '@crm/testing';
import { Pool } from 'pg';
import { groupings, Range } from './analytics.queries';
import { projectedTables } from './analytics.schema';
import { AnalyticsConsumers } from './analytics.consumers';
import { AnalyticsService } from './analytics.service';

// 50,000 generated events (deals moving forward and back, reopened, backdated imports, two
// currencies) appended by concurrent writers while the projector runs: the incremental read models
// must answer exactly as a rebuild from the log does, and point-in-time answers must equal an
// independent fold of the generated events.

const eventCount = 50_000;
const writers = 6;

describeWithInfra(['postgres'], 'analytics on a generated history', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: AnalyticsService;
  let consumers: RunningConsumers | undefined;
  const tenantId = `tenant-${randomUUID()}`;
  let history: GeneratedEvent[];

  beforeAll(async () => {
    ({ pool, schema, drop } = await createTestSchema('analytics_history'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    const bus = storeEventBus(store);
    service = new AnalyticsService(store, pool, bus, { schema, clock: () => new Date('2026-09-01T00:00:00.000Z') });
    await service.onModuleInit();
    consumers = await startEventConsumers(bus, [AnalyticsConsumers], [{ provide: AnalyticsService, useValue: service }]);
    history = generateCrmHistoryArray({ seed: 2026, tenantId, events: eventCount, currencies: ['EUR', 'USD'] });

    const position = await appendConcurrently(store, history, writers);
    await service.waitFor(position, 120_000);
  }, 600_000);
  afterAll(async () => {
    await consumers?.close();
    await service?.onModuleDestroy();
    await store?.close();
    await drop?.();
  });

  const quarters: Range[] = ['2025-01-01', '2025-04-01', '2025-07-01', '2025-10-01', '2026-01-01', '2026-04-01', '2026-07-01'].map((from, index, all) => ({
    from: new Date(`${from}T00:00:00Z`),
    to: new Date(`${all[index + 1] ?? '2026-10-01'}T00:00:00Z`),
  }));
  const asOfDates = ['2025-02-10', '2025-04-30', '2025-06-15', '2025-08-01', '2025-09-30', '2025-12-24', '2026-01-31', '2026-03-15', '2026-05-01', '2026-06-30', '2027-06-30'];
// The last date is after the whole history: answered from the deals table instead of the fold.

  const everyAnswer = async () => {
    const queries = service.readModels;
    const answers: Record<string, unknown> = {};
    for (const [index, range] of quarters.entries()) {
      answers[`kpis-${index}`] = await queries.kpis(tenantId, range);
      for (const grouping of groupings) answers[`kpis-${index}-${grouping}`] = await queries.kpis(tenantId, range, grouping);
      answers[`funnel-${index}`] = await queries.funnel(tenantId, range);
      answers[`products-${index}`] = await queries.productReport(tenantId, range);
      answers[`owners-${index}`] = await queries.ownerReport(tenantId, range);
      answers[`stages-${index}`] = await queries.stageDurations(tenantId, range);
      answers[`changes-${index}`] = await queries.pipelineChanges(tenantId, range);
    }
    for (const period of ['2025-Q1', '2025-Q3', '2026-Q1', '2025-06', '2026-02']) answers[`targets-${period}`] = await queries.targets(tenantId, period);
    for (const date of asOfDates) answers[`as-of-${date}`] = await allOpenDeals(date);
    return answers;
  };

  const allOpenDeals = async (date: string) => {
    const at = new Date(`${date}T00:00:00Z`);
    at.setUTCDate(at.getUTCDate() + 1);
    const first = await service.readModels.pipelineAsOf(tenantId, at, { limit: 5000 });
    const deals = [...first.deals];
    for (let page = first; page.nextAfter; ) {
      page = await service.readModels.pipelineAsOf(tenantId, at, { limit: 5000, after: page.nextAfter });
      deals.push(...page.deals);
    }
    return { totals: first.totals, deals };
  };

  const tables = async () => {
    const result: Record<string, unknown[]> = {};
    for (const table of projectedTables) result[table] = (await pool.query(`SELECT * FROM "${schema}".${table} t ORDER BY t::text`)).rows;
    return result;
  };

  it('answers every query identically after rebuilding the read models from the log', async () => {
    const incremental = await everyAnswer();
    const incrementalTables = await tables();
    expect(incrementalTables.deal_events.length).toBeGreaterThan(5_000);
    const kpis = incremental['kpis-4'] as { groups: Array<{ won: number; lost: number; byCurrency: Array<{ currency: string }> }> };
    expect(kpis.groups[0].won + kpis.groups[0].lost).toBeGreaterThan(50);
    expect(new Set(kpis.groups[0].byCurrency.map((entry) => entry.currency))).toEqual(new Set(['EUR', 'USD']));

    const result = await service.rebuild('store');
    expect(result.applied).toBe(history.length);
    expect(await tables()).toEqual(incrementalTables);
    expect(await everyAnswer()).toEqual(incremental);

    await service.rebuild('event-log');
    expect(await everyAnswer()).toEqual(incremental);
  }, 300_000);

  it('shows the pipeline at 11 dates exactly as an independent fold of the generated events', async () => {
    type Deal = { status: 'open' | 'won' | 'lost'; stage: string; probability: number; amountMinor: number; currency: string; ownerId: string; name: string; expectedCloseDate: string };
    let backwardMoves = 0;
    for (const date of asOfDates) {
      const end = Date.parse(`${date}T00:00:00Z`) + 86_400_000;
      // Fold each deal's events that had occurred by the end of the day, in stream order.
      const deals = new Map<string, Deal>();
      for (const { streamId, event } of history) {
        if (categoryOf(streamId) !== 'opportunity' || Date.parse(event.occurredAt) >= end) continue;
        const deal = deals.get(streamId);
        switch (event.type) {
          case 'OpportunityOpened': {
            const data = event.data as OpportunityOpened['data'];
            deals.set(streamId, { status: 'open', stage: data.stage, probability: data.probability, amountMinor: data.amount.amountMinor, currency: data.amount.currency, ownerId: data.ownerId, name: data.name, expectedCloseDate: data.expectedCloseDate });
            break;
          }
          case 'OpportunityStageChanged': {
            const data = event.data as OpportunityStageChanged['data'];
            if (data.direction === 'backward') backwardMoves++;
            if (deal) Object.assign(deal, { stage: data.to, probability: data.probability });
            break;
          }
          case 'OpportunityUpdated': {
            const { changes } = event.data as OpportunityUpdated['data'];
            if (deal && changes.amount) Object.assign(deal, { amountMinor: changes.amount.amountMinor, currency: changes.amount.currency });
            if (deal && changes.ownerId) deal.ownerId = changes.ownerId;
            if (deal && changes.expectedCloseDate) deal.expectedCloseDate = changes.expectedCloseDate;
            break;
          }
          case 'OpportunityWon': {
            const data = event.data as OpportunityWon['data'];
            if (deal) Object.assign(deal, { status: 'won', amountMinor: data.amount.amountMinor, currency: data.amount.currency });
            break;
          }
          case 'OpportunityLost':
            if (deal) deal.status = 'lost';
            break;
          case 'OpportunityReopened': {
            const data = event.data as OpportunityReopened['data'];
            if (deal) Object.assign(deal, { status: 'open', stage: data.stage, probability: data.probability });
            break;
          }
          default:
            break;
        }
      }
      const open = [...deals.entries()].filter(([, deal]) => deal.status === 'open');
      const expected = open
        .map(([streamId, deal]) => ({
          opportunityId: streamId.slice('opportunity-'.length),
          stage: deal.stage,
          probability: deal.probability,
          ownerId: deal.ownerId,
          ...formatMoney({ amountMinor: deal.amountMinor, currency: deal.currency }),
          expectedCloseDate: deal.expectedCloseDate,
        }))
        .sort((a, b) => a.opportunityId.localeCompare(b.opportunityId));
      const totals = new Map<string, { deals: number; amount: number; weighted: number }>();
      for (const [, deal] of open) {
        const entry = totals.get(deal.currency) ?? { deals: 0, amount: 0, weighted: 0 };
        totals.set(deal.currency, { deals: entry.deals + 1, amount: entry.amount + deal.amountMinor, weighted: entry.weighted + deal.amountMinor * deal.probability });
      }

      const actual = await allOpenDeals(date);
      expect(expected.length).toBeGreaterThan(0);
      // The name shown is the deal's current one: a label, not part of the point-in-time state.
      expect({ date, deals: actual.deals.map(({ name: _name, ...deal }) => deal) }).toEqual({ date, deals: expected });
      expect(actual.totals).toEqual(
        [...totals.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, entry]) => ({
            currency,
            deals: entry.deals,
            amount: formatMoney({ amountMinor: entry.amount, currency }).amount,
            weighted: formatMoney({ amountMinor: Math.round(entry.weighted / 100), currency }).amount,
          })),
      );
    }
    expect(backwardMoves).toBeGreaterThan(20);
  }, 120_000);
});


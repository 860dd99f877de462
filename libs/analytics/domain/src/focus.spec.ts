import { EventEnvelope } from '@crm/contracts';
import { deciderSpec } from '@crm/event-sourcing';
import { activityPlan, activityTargetFact, analyticsSettingDecider, FocusCandidate, leadScoreFact, rankFocus, targetFact, targetStreamId } from './index';

const now = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
const deal = (id: string, value: number, winProbability: number, expectedCloseDate: string, touchedDaysAgo: number): FocusCandidate => ({
  kind: 'deal',
  id,
  name: `Deal ${id}`,
  stage: 'Proposal',
  currency: 'EUR',
  value,
  winProbability,
  expectedCloseDate,
  lastTouchAt: daysAgo(touchedDaysAgo),
});
const lead = (id: string, value: number, winProbability: number, scoreTrend: number | null, touchedDaysAgo: number, stage = 'working'): FocusCandidate => ({
  kind: 'lead',
  id,
  name: `Lead ${id}`,
  stage,
  currency: 'EUR',
  value,
  winProbability,
  scoreTrend,
  lastTouchAt: daysAgo(touchedDaysAgo),
});

// The hand-built pipeline. priority = value × P × 1/(1 + daysToClose/30) × (1 + min(daysUntouched, 60)/30) × (1 + trend/100);
// a lead closes "in 90 days" (proximity 0.25). Worked out by hand:
//   D2 40,000 × 0.25, closes in 90 days (0.25), untouched for 30 days (2) → 10,000 × 0.25 × 2 = 5,000
//   D3 12,000 × 0.25, close date passed (proximity 1), touched 3 days ago → 3,000 × 1 × 1.1 = 3,300
//   D1 10,000 × 0.5, closes in 30 days (0.5), touched today → 5,000 × 0.5 = 2,500
//   L1 20,000 × 0.3, score +20, touched 6 days ago → 6,000 × 0.25 × 1.2 × 1.2 = 2,160
//   D4 50,000 × 0.1, closes in 60 days (1/3), touched today → 5,000 / 3 = 1,666.67
//   L2 20,000 × 0.3, score −20, touched 6 days ago, qualified → 6,000 × 0.25 × 1.2 × 0.8 = 1,440
const pipeline = (): FocusCandidate[] => [
  deal('d1', 10_000, 0.5, '2026-07-01', 0),
  deal('d2', 40_000, 0.25, '2026-08-30', 30),
  deal('d3', 12_000, 0.25, '2026-05-20', 3),
  deal('d4', 50_000, 0.1, '2026-07-31', 0),
  lead('l1', 20_000, 0.3, 20, 6),
  lead('l2', 20_000, 0.3, -20, 6, 'qualified'),
];
const order = (candidates: FocusCandidate[]) => rankFocus(candidates, { now }).map((item) => item.id);
const vary = (id: string, change: Partial<FocusCandidate>) => pipeline().map((candidate) => (candidate.id === id ? { ...candidate, ...change } : candidate));

describe('the focus list', () => {
  it('ranks a hand-built pipeline in the order worked out by hand, with its priorities and components', () => {
    const ranked = rankFocus(pipeline(), { now });
    expect(ranked.map((item) => item.id)).toEqual(['d2', 'd3', 'd1', 'l1', 'd4', 'l2']);
    const priorities = ranked.map((item) => item.priority);
    [5_000, 3_300, 2_500, 2_160, 5_000 / 3, 1_440].forEach((expected, index) => expect(priorities[index]).toBeCloseTo(expected, 9));
    expect(ranked[0].components).toEqual({ expectedValue: 10_000, daysToClose: 90, closeProximity: 0.25, daysSinceTouch: 30, staleness: 2, scoreTrend: null, trend: 1 });
    expect(ranked[1].components).toMatchObject({ daysToClose: -12, closeProximity: 1 });
    expect(ranked[3].components).toMatchObject({ daysToClose: null, closeProximity: 0.25, scoreTrend: 20, trend: 1.2 });
  });

  it('suggests re-engaging what went cold, a proposal late in the pipeline, a meeting mid-way and a call early on', () => {
    const actions = Object.fromEntries(rankFocus(pipeline(), { now }).map((item) => [item.id, item.nextAction]));
    expect(actions).toEqual({ d2: 're-engage', d3: 'meeting', d1: 'proposal', d4: 'call', l1: 'call', l2: 'meeting' });
    const [first] = rankFocus(pipeline(), { now });
    expect(first.reason).toBe('EUR 10000.00 expected (EUR 40000.00 at 25 %); closing in 90 days; untouched for 30 days');
    expect(rankFocus(pipeline(), { now }).find((item) => item.id === 'l2')?.reason).toContain('score down 20 points');
  });

  it('moves an item when any one component changes', () => {
    const base = ['d2', 'd3', 'd1', 'l1', 'd4', 'l2'];
    expect(order(pipeline())).toEqual(base);
    // Value: L2 at 40,000 → 2,880.
    expect(order(vary('l2', { value: 40_000 }))).toEqual(['d2', 'd3', 'l2', 'd1', 'l1', 'd4']);
    // Win probability: D1 at 0.9 → 4,500.
    expect(order(vary('d1', { winProbability: 0.9 }))).toEqual(['d2', 'd1', 'd3', 'l1', 'd4', 'l2']);
    // Close-date proximity: D1 closing in 3 days → 5,000 / 1.1 = 4,545.45.
    expect(order(vary('d1', { expectedCloseDate: '2026-06-04' }))).toEqual(['d2', 'd1', 'd3', 'l1', 'd4', 'l2']);
    // Staleness: D2 touched 3 days ago → 2,500 × 1.1 = 2,750.
    expect(order(vary('d2', { lastTouchAt: daysAgo(3) }))).toEqual(['d3', 'd2', 'd1', 'l1', 'd4', 'l2']);
    // Score trend: L1 falling and L2 rising swap their priorities (L1 → 1,440, L2 → 2,160).
    expect(order(vary('l1', { scoreTrend: -20 }).map((item) => (item.id === 'l2' ? { ...item, scoreTrend: 20 } : item)))).toEqual(['d2', 'd3', 'd1', 'l2', 'd4', 'l1']);
  });

  it('caps staleness and score trend, and breaks ties by expected value, then id', () => {
    const cold = rankFocus([deal('a', 1_000, 1, '2026-06-01', 400)], { now })[0];
    expect(cold.components.staleness).toBe(3);
    const surging = rankFocus([lead('b', 1_000, 1, 300, 0)], { now })[0];
    expect(surging.components.trend).toBe(1.5);
    // Same priority (2,500): the larger expected value first; then the id.
    const tie = rankFocus([deal('x', 5_000, 1, '2026-07-01', 0), deal('y', 20_000, 0.5, '2026-08-30', 0), deal('w', 5_000, 1, '2026-07-01', 0)], { now });
    expect(tie.map((item) => item.id)).toEqual(['y', 'w', 'x']);
    expect(rankFocus([], { now })).toEqual([]);
  });
});

describe('the activity plan', () => {
  it('plans target ÷ per × ratio activities, rounded up', () => {
    // 50,000.00 EUR target, ratios per 1,000.00 EUR: 4 calls, 1.5 meetings, 0.33 e-mails.
    expect(activityPlan(5_000_000, 100_000, { calls: 4, meetings: 1.5, emails: 0.33 })).toEqual([
      { metric: 'calls', ratio: 4, plannedExact: 200, planned: 200 },
      { metric: 'meetings', ratio: 1.5, plannedExact: 75, planned: 75 },
      { metric: 'emails', ratio: 0.33, plannedExact: expect.closeTo(16.5, 9), planned: 17 },
    ]);
  });
});

describe('activity targets', () => {
  const envelope = (data: unknown): EventEnvelope => ({
    id: 'e',
    type: 'TargetSet',
    schemaVersion: 1,
    streamId: 'analytics-x',
    revision: 0,
    globalPosition: 1,
    occurredAt: '2026-01-01T00:00:00Z',
    recordedAt: '2026-01-01T00:00:00Z',
    metadata: { tenantId: 't', actor: { id: 'mgr-1', role: 'manager' }, correlationId: 'c', causationId: 'c' },
    data,
  });

  it('reads a TargetSet without metric (as recorded before activity targets) as a revenue target', () => {
    const old = envelope({ scope: 'owner', scopeId: 'rep-1', period: '2026-03', amount: { amountMinor: 100, currency: 'EUR' } });
    expect(targetFact(old)).toMatchObject({ scopeId: 'rep-1', amountMinor: 100 });
    expect(activityTargetFact(old)).toBeUndefined();
    const calls = envelope({ scope: 'owner', scopeId: 'rep-1', period: '2026-03', metric: 'calls', count: 40 });
    expect(targetFact(calls)).toBeUndefined();
    expect(activityTargetFact(calls)).toMatchObject({ metric: 'calls', count: 40, periodStart: '2026-03-01T00:00:00.000Z', periodEnd: '2026-04-01T00:00:00.000Z' });
    expect(leadScoreFact({ ...old, type: 'LeadScored', revision: 3, data: { leadId: 'l', score: 40, contributions: {} } })).toMatchObject({ leadId: 'l', revision: 3, score: 40, probability: null });
  });

  it('keeps revenue targets in the stream they always had and gives each activity metric its own', () => {
    expect(targetStreamId('t', 'owner', 'rep-1', '2026-03', 'revenue')).toBe(targetStreamId('t', 'owner', 'rep-1', '2026-03'));
    expect(targetStreamId('t', 'owner', 'rep-1', '2026-03', 'calls')).not.toBe(targetStreamId('t', 'owner', 'rep-1', '2026-03'));
    expect(targetStreamId('t', 'owner', 'rep-1', '2026-03', 'calls')).not.toBe(targetStreamId('t', 'owner', 'rep-1', '2026-03', 'meetings'));
  });

  it('records an activity target, and nothing when the same count is set again', () => {
    const at = '2026-01-01T00:00:00Z';
    deciderSpec(analyticsSettingDecider)
      .given([])
      .when({ type: 'SetTarget', scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', metric: 'calls', count: 40, at })
      .then([{ type: 'TargetSet', occurredAt: at, data: { scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', metric: 'calls', count: 40 } }]);
    deciderSpec(analyticsSettingDecider)
      .given([{ type: 'TargetSet', data: { scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', metric: 'calls', count: 40 } }])
      .when({ type: 'SetTarget', scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', metric: 'calls', count: 40, at })
      .thenNothing();
    // A revenue target keeps its old shape (no metric field).
    const amount = { amountMinor: 1, currency: 'EUR' };
    deciderSpec(analyticsSettingDecider)
      .given([])
      .when({ type: 'SetTarget', scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', metric: 'revenue', amount, at })
      .then([{ type: 'TargetSet', occurredAt: at, data: { scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', amount } }]);
    deciderSpec(analyticsSettingDecider)
      .given([{ type: 'ActivityRatiosSet', data: { per: { amountMinor: 100_000, currency: 'EUR' }, ratios: { calls: 4 } } }])
      .when({ type: 'SetActivityRatios', per: { amountMinor: 100_000, currency: 'EUR' }, ratios: { calls: 5 }, at })
      .then([{ type: 'ActivityRatiosSet', occurredAt: at, data: { per: { amountMinor: 100_000, currency: 'EUR' }, ratios: { calls: 5 } } }]);
  });
});

import { EventEnvelope } from '@crm/contracts';
import { deciderSpec } from '@crm/event-sourcing';
import {
  analyticsSettingDecider,
  attainmentPercent,
  customerAcquisitionCost,
  evolveDealFact,
  evolveLeadFact,
  medianOf,
  overlapFraction,
  parseDay,
  parsePeriod,
  pipelineVelocity,
  ratio,
} from './index';

let revision = 0;
const envelope = (type: string, data: unknown, occurredAt: string): EventEnvelope => ({
  id: `e-${revision}`,
  type,
  schemaVersion: 1,
  streamId: 'x',
  revision: revision++,
  globalPosition: revision,
  occurredAt,
  recordedAt: occurredAt,
  metadata: { tenantId: 't', actor: { id: 'rep-1', role: 'rep' }, correlationId: 'c', causationId: 'c' },
  data,
});

describe('periods', () => {
  it('parses months and quarters as half-open UTC intervals', () => {
    expect(parsePeriod('2026-02')).toEqual({ start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-03-01T00:00:00Z') });
    expect(parsePeriod('2026-Q4')).toEqual({ start: new Date('2026-10-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    for (const bad of ['2026-13', '2026-Q5', '2026-1', '26-01', '2026-00', '2026-Q0']) expect(parsePeriod(bad)).toBeNull();
  });

  it('rejects impossible days', () => {
    expect(parseDay('2026-02-28')?.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(parseDay('2026-02-30')).toBeNull();
    expect(parseDay('2026-2-3')).toBeNull();
  });

  it('measures overlaps as a fraction of the first interval', () => {
    const march = parsePeriod('2026-03')!;
    expect(overlapFraction(march, { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-16T00:00:00Z') })).toBeCloseTo(15 / 31, 12);
    expect(overlapFraction(march, parsePeriod('2026-04')!)).toBe(0);
    expect(overlapFraction(march, parsePeriod('2026-Q1')!)).toBe(1);
  });
});

describe('metrics', () => {
  it('never divides by zero: an empty denominator is null with the reason', () => {
    expect(ratio(3, 4, 'none')).toEqual({ value: 0.75 });
    expect(ratio(0, 0, 'no deal was closed')).toEqual({ value: null, reason: 'no deal was closed' });
    expect(medianOf([], 'no deal was won')).toEqual({ value: null, reason: 'no deal was won' });
    expect(medianOf([10, 2, 4, 30], 'x')).toEqual({ value: 7 });
  });

  it('computes velocity as open deals × win rate × average deal size ÷ average cycle', () => {
    expect(pipelineVelocity(10, { value: 0.25 }, { value: 4000 }, { value: 50 })).toEqual({ value: 200 });
    expect(pipelineVelocity(10, { value: null, reason: 'no deal was closed' }, { value: 4000 }, { value: 50 })).toEqual({ value: null, reason: 'no deal was closed' });
    expect(pipelineVelocity(10, { value: 0.5 }, { value: 4000 }, { value: 0 }).value).toBeNull();
  });

  it('has CAC only when both the cost and some customers are known', () => {
    expect(customerAcquisitionCost(90_000, 3)).toEqual({ value: 30_000 });
    expect(customerAcquisitionCost(90_000, 0).value).toBeNull();
    expect(customerAcquisitionCost(null, 3)).toEqual({ value: null, reason: 'no marketing cost was recorded for the period' });
    expect(attainmentPercent(50, 200)).toEqual({ value: 25 });
    expect(attainmentPercent(50, 0).value).toBeNull();
  });
});

describe('facts', () => {
  it('records when a lead first reached each status, and keeps it through a reopen', () => {
    const events = [
      envelope('LeadCaptured', { leadId: 'l1', source: 'web', name: 'A', region: 'EMEA' }, '2026-01-01T00:00:00Z'),
      envelope('LeadAssigned', { leadId: 'l1', ownerId: 'rep-1', routedBy: 'rules' }, '2026-01-02T00:00:00Z'),
      envelope('LeadStatusChanged', { leadId: 'l1', from: 'new', to: 'working' }, '2026-01-02T00:00:00Z'),
      envelope('LeadDisqualified', { leadId: 'l1', reason: 'budget' }, '2026-01-03T00:00:00Z'),
      envelope('LeadReopened', { leadId: 'l1' }, '2026-01-04T00:00:00Z'),
      envelope('LeadQualified', { leadId: 'l1' }, '2026-01-05T00:00:00Z'),
      envelope('LeadConverted', { leadId: 'l1', opportunityId: 'o1' }, '2026-01-06T00:00:00Z'),
    ];
    const fact = events.reduce(evolveLeadFact, undefined);
    expect(fact).toMatchObject({ status: 'converted', ownerId: 'rep-1', workingAt: '2026-01-02T00:00:00Z', qualifiedAt: '2026-01-05T00:00:00Z', convertedAt: '2026-01-06T00:00:00Z', disqualifiedAt: '2026-01-03T00:00:00Z', opportunityId: 'o1' });
    expect(evolveLeadFact(undefined, envelope('LeadQualified', { leadId: 'l2' }, '2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('folds a deal that slips, wins, reopens and loses into its state and history rows', () => {
    const opened = evolveDealFact(undefined, envelope('OpportunityOpened', { opportunityId: 'o1', name: 'D', accountName: 'A', amount: { amountMinor: 1000, currency: 'EUR' }, productType: 'p', ownerId: 'rep-1', stage: 'Proposal', probability: 50, forecastCategory: 'Best Case', expectedCloseDate: '2026-06-30' }, '2026-01-01T00:00:00Z'));
    const slipped = evolveDealFact(opened.fact, envelope('OpportunityStageChanged', { opportunityId: 'o1', from: 'Proposal', to: 'Qualification', direction: 'backward', probability: 25, forecastCategory: 'Pipeline' }, '2026-01-05T00:00:00Z'));
    const won = evolveDealFact(slipped.fact, envelope('OpportunityWon', { opportunityId: 'o1', amount: { amountMinor: 1200, currency: 'EUR' }, fromStage: 'Qualification' }, '2026-02-01T00:00:00Z'));
    const reopened = evolveDealFact(won.fact, envelope('OpportunityReopened', { opportunityId: 'o1', previousStatus: 'won', stage: 'Qualification', probability: 25, forecastCategory: 'Pipeline' }, '2026-02-03T00:00:00Z'));
    const lost = evolveDealFact(reopened.fact, envelope('OpportunityLost', { opportunityId: 'o1', reason: 'price', fromStage: 'Qualification' }, '2026-03-01T00:00:00Z'));
    expect([opened, slipped, won, reopened, lost].map((step) => step.history?.kind)).toEqual(['opened', 'slipped', 'won', 'reopened', 'lost']);
    expect(slipped.history).toMatchObject({ stage: 'Qualification', fromStage: 'Proposal', amountMinor: null, status: null });
    expect(reopened.fact).toMatchObject({ status: 'open', closedAt: null, amountMinor: 1200 });
    expect(lost.fact).toMatchObject({ status: 'lost', closedAt: '2026-03-01T00:00:00Z', openedAt: '2026-01-01T00:00:00Z' });
  });
});

describe('analytics settings', () => {
  const amount = { amountMinor: 500_000, currency: 'EUR' };
  it('records nothing when the same target is set again', () =>
    deciderSpec(analyticsSettingDecider)
    .given([{ type: 'TargetSet', data: { scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', amount } }])
    .when({ type: 'SetTarget', scope: 'owner', scopeId: 'rep-1', period: '2026-Q1', amount, at: '2026-01-01T00:00:00Z' })
    .thenNothing());
  it('records a changed cost', () =>
    deciderSpec(analyticsSettingDecider)
    .given([{ type: 'MarketingCostRecorded', data: { source: 'web', period: '2026-01', amount } }])
    .when({ type: 'RecordMarketingCost', source: 'web', period: '2026-01', amount: { amountMinor: 1, currency: 'EUR' }, at: '2026-01-01T00:00:00Z' })
    .then([{ type: 'MarketingCostRecorded', occurredAt: '2026-01-01T00:00:00Z', data: { source: 'web', period: '2026-01', amount: { amountMinor: 1, currency: 'EUR' } } }]));
});

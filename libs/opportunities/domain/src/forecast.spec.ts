import { OpportunityStreamEvent, Opportunity, opportunityDecider } from './opportunity.decider';
import { dealTiming, forecastCategoryOf, minimumLearningHistory, winProbability } from './forecast';
import { defaultPipelineStages as pipeline } from './pipeline';

const fold = (events: OpportunityStreamEvent[]) => events.reduce(opportunityDecider.evolve, opportunityDecider.initialState()) as Opportunity;
const opportunityId = 'o-1';
const opened: OpportunityStreamEvent = {
  type: 'OpportunityOpened',
  occurredAt: '2026-03-01T09:00:00.000Z',
  data: {
    opportunityId,
    name: 'n',
    accountName: 'a',
    amount: { amountMinor: 100, currency: 'EUR' },
    productType: 'p',
    ownerId: 'rep-1',
    stage: 'Proposal',
    probability: 50,
    forecastCategory: 'Best Case',
    expectedCloseDate: '2026-06-30',
  },
};

describe('win probability and forecast category', () => {
  const deal = fold([opened]);

  it('uses the stage’s current default and says so', () => {
    expect(winProbability(deal, pipeline)).toEqual({ probability: 50, source: 'stage-default' });
    const repriced = pipeline.map((stage) => (stage.name === 'Proposal' ? { ...stage, probability: 40 } : stage));
    expect(winProbability(deal, repriced)).toEqual({ probability: 40, source: 'stage-default' });
  });

  it('falls back to the recorded default when the stage was removed', () => {
    expect(winProbability(deal, [pipeline[0]])).toEqual({ probability: 50, source: 'stage-default' });
    expect(forecastCategoryOf(deal, [pipeline[0]])).toEqual({ forecastCategory: 'Best Case', source: 'stage-default' });
  });

  it('prefers a learned probability only once it rests on enough deals', () => {
    expect(winProbability(deal, pipeline, { probability: 37, basedOnDeals: minimumLearningHistory - 1 }).source).toBe('stage-default');
    expect(winProbability(deal, pipeline, { probability: 37, basedOnDeals: minimumLearningHistory, modelVersion: 'm1' })).toEqual({
      probability: 37,
      source: 'learned',
      basedOnDeals: minimumLearningHistory,
      modelVersion: 'm1',
    });
  });

  it('reports outcomes for closed deals, overrides for open ones', () => {
    const won = fold([opened, { type: 'OpportunityWon', occurredAt: '2026-03-02T00:00:00.000Z', data: { opportunityId, amount: opened.data.amount, fromStage: 'Proposal' } }]);
    expect(winProbability(won, pipeline, { probability: 37, basedOnDeals: 100 })).toEqual({ probability: 100, source: 'outcome' });
    expect(forecastCategoryOf(won, pipeline)).toEqual({ forecastCategory: 'Closed', source: 'outcome' });
    const overridden = fold([opened, { type: 'OpportunityUpdated', data: { opportunityId, changes: { forecastCategory: 'Commit' } } }]);
    expect(forecastCategoryOf(overridden, pipeline)).toEqual({ forecastCategory: 'Commit', source: 'override' });
  });
});

describe('deal timing', () => {
  it('counts whole days in the deal and in its stage, stopping at the close', () => {
    const changed = fold([
      opened,
      { type: 'OpportunityStageChanged', occurredAt: '2026-03-04T10:00:00.000Z', data: { opportunityId, from: 'Proposal', to: 'Negotiation', direction: 'forward', probability: 80, forecastCategory: 'Commit' } },
    ]);
    expect(dealTiming(changed, '2026-03-10T09:30:00.000Z')).toMatchObject({ ageDays: 9, daysInStage: 5, idleSince: '2026-03-04T10:00:00.000Z', stale: false });
    const lost = fold([...[opened], { type: 'OpportunityLost', occurredAt: '2026-03-03T09:00:00.000Z', data: { opportunityId, reason: 'x', fromStage: 'Proposal' } }]);
    expect(dealTiming(lost, '2026-12-31T00:00:00.000Z')).toMatchObject({ ageDays: 2, daysInStage: 2 });
  });

  it('is stale while the flagged idle period lasts', () => {
    const flagged = fold([opened, { type: 'DealWentStale', data: { opportunityId, stage: 'Proposal', idleSince: '2026-03-01T09:00:00.000Z', idleDays: 21 } }]);
    expect(dealTiming(flagged, '2026-04-01T00:00:00.000Z').stale).toBe(true);
    expect(dealTiming(flagged, '2026-04-01T00:00:00.000Z', '2026-03-30T00:00:00.000Z').stale).toBe(false);
  });
});

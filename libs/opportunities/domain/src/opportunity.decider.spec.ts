import { OpportunityStatus } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { OpportunityCommand, opportunityDecider, OpportunityStreamEvent } from './opportunity.decider';
import { defaultPipelineStages as pipeline } from './pipeline';

const spec = deciderSpec(opportunityDecider);
const opportunityId = 'o-1';
const t0 = '2026-03-01T09:00:00.000Z';
const t1 = '2026-03-05T09:00:00.000Z';
const t2 = '2026-03-09T09:00:00.000Z';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

const opened: OpportunityStreamEvent = {
  type: 'OpportunityOpened',
  occurredAt: t0,
  data: {
    opportunityId,
    name: 'Analytical Engines - platform',
    accountName: 'Analytical Engines',
    amount: eur(4_800_000),
    productType: 'platform',
    ownerId: 'rep-7',
    stage: 'Prospecting',
    probability: 10,
    forecastCategory: 'Pipeline',
    expectedCloseDate: '2026-12-31',
  },
};
const toProposal: OpportunityStreamEvent = {
  type: 'OpportunityStageChanged',
  occurredAt: t1,
  data: { opportunityId, from: 'Prospecting', to: 'Proposal', direction: 'forward', probability: 50, forecastCategory: 'Best Case' },
};
const won: OpportunityStreamEvent = { type: 'OpportunityWon', occurredAt: t2, data: { opportunityId, amount: eur(4_800_000), fromStage: 'Proposal' } };
const lost: OpportunityStreamEvent = { type: 'OpportunityLost', occurredAt: t2, data: { opportunityId, reason: 'no budget', fromStage: 'Proposal' } };
const history: Record<OpportunityStatus, OpportunityStreamEvent[]> = {
  open: [opened, toProposal],
  won: [opened, toProposal, won],
  lost: [opened, toProposal, lost],
};

const open: OpportunityCommand = {
  type: 'OpenOpportunity',
  opportunityId,
  name: 'Analytical Engines - platform',
  accountName: 'Analytical Engines',
  amount: eur(4_800_000),
  productType: 'platform',
  ownerId: 'rep-7',
  expectedCloseDate: '2026-12-31',
  occurredAt: t0,
  pipeline,
};

const rejects = (status: OpportunityStatus, command: OpportunityCommand) =>
  spec
    .given(history[status])
    .when(command)
    .thenThrows(CommandRejected, (error) => {
      expect(error.kind).toBe('conflict');
      expect(error.code).toBe('illegal-transition');
      expect(error.details).toEqual({ currentStatus: status });
    });

const invalid = (events: OpportunityStreamEvent[], command: OpportunityCommand, code: string) =>
  spec
    .given(events)
    .when(command)
    .thenThrows(CommandRejected, (error) => {
      expect(error.kind).toBe('invalid');
      expect(error.code).toBe(code);
    });

describe('opportunity decider', () => {
  describe('open', () => {
    it('opens in the pipeline’s first stage with its defaults', () => {
      spec.given([]).when(open).then([opened]);
    });

    it('opens in a named stage (matched case-insensitively) and records the lead', () => {
      spec
        .given([])
        .when({ ...open, stage: 'negotiation', leadId: 'l-1' })
        .then([{ ...opened, data: { ...opened.data, stage: 'Negotiation', probability: 80, forecastCategory: 'Commit', leadId: 'l-1' } } as OpportunityStreamEvent]);
    });

    it('refuses to open twice', () => {
      spec.given([opened]).when(open).thenThrows(CommandRejected, (error) => expect([error.kind, error.code]).toEqual(['conflict', 'opportunity-exists']));
    });

    it('refuses an unknown stage, an outcome as a stage, and a negative amount', () => {
      invalid([], { ...open, stage: 'Contracting' }, 'unknown-stage');
      invalid([], { ...open, stage: 'Won' }, 'unknown-stage');
      invalid([], { ...open, amount: eur(-1) }, 'invalid-amount');
    });

    it('reports commands on a missing opportunity as not found', () => {
      spec.given([]).when({ type: 'LoseOpportunity', reason: 'x', occurredAt: t1 }).thenThrows(CommandRejected, (error) => expect(error.kind).toBe('not_found'));
    });
  });

  describe('stage changes', () => {
    it('moves forward with the new stage’s defaults', () => {
      spec.given([opened]).when({ type: 'ChangeStage', stage: 'Proposal', occurredAt: t1, pipeline }).then([toProposal]);
    });

    it('moves back a stage and records that it went backward', () => {
      spec
        .given(history.open)
        .when({ type: 'ChangeStage', stage: 'Qualification', occurredAt: t2, pipeline })
        .then([
          {
            type: 'OpportunityStageChanged',
            occurredAt: t2,
            data: { opportunityId, from: 'Proposal', to: 'Qualification', direction: 'backward', probability: 20, forecastCategory: 'Pipeline' },
          },
        ]);
    });

    it('appends nothing when the deal is already in the stage', () => {
      spec.given(history.open).when({ type: 'ChangeStage', stage: 'proposal', occurredAt: t2, pipeline }).thenNothing();
    });

    it('refuses an unknown stage and a change dated before the last one', () => {
      invalid(history.open, { type: 'ChangeStage', stage: 'Lost', occurredAt: t2, pipeline }, 'unknown-stage');
      invalid(history.open, { type: 'ChangeStage', stage: 'Negotiation', occurredAt: t0, pipeline }, 'occurred-out-of-order');
    });

    it.each(['won', 'lost'] as const)('refuses to change the stage of a %s deal', (status) => rejects(status, { type: 'ChangeStage', stage: 'Negotiation', occurredAt: t2, pipeline }));
  });

  describe('update', () => {
    it('records only real changes, the forecast category as an override', () => {
      spec
        .given(history.open)
        .when({ type: 'UpdateOpportunity', changes: { amount: eur(5_000_000), name: opened.data.name, forecastCategory: 'Commit', ownerId: 'rep-8' } })
        .then([{ type: 'OpportunityUpdated', data: { opportunityId, changes: { amount: eur(5_000_000), forecastCategory: 'Commit', ownerId: 'rep-8' } } }]);
    });

    it('appends nothing when nothing changes', () => {
      spec.given(history.open).when({ type: 'UpdateOpportunity', changes: { expectedCloseDate: '2026-12-31', amount: eur(4_800_000) } }).thenNothing();
    });

    it('refuses a negative amount and Closed as an override', () => {
      invalid(history.open, { type: 'UpdateOpportunity', changes: { amount: eur(-100) } }, 'invalid-amount');
      invalid(history.open, { type: 'UpdateOpportunity', changes: { forecastCategory: 'Closed' } }, 'invalid-forecast-category');
    });

    it.each(['won', 'lost'] as const)('refuses to update a %s deal', (status) => rejects(status, { type: 'UpdateOpportunity', changes: { name: 'x' } }));

    it('keeps an override until the next stage change', () => {
      const overridden: OpportunityStreamEvent = { type: 'OpportunityUpdated', data: { opportunityId, changes: { forecastCategory: 'Commit' } } };
      spec.given([...history.open, overridden]).when({ type: 'UpdateOpportunity', changes: { forecastCategory: 'Commit' } }).thenNothing();
      spec
        .given([...history.open, overridden, { ...toProposal, data: { ...toProposal.data, from: 'Proposal', to: 'Negotiation', probability: 80, forecastCategory: 'Commit' } }])
        .when({ type: 'UpdateOpportunity', changes: { forecastCategory: 'Commit' } })
        .then([overridden]);
    });
  });

  describe('win and lose', () => {
    it('wins an open deal at its amount, or at the amount given', () => {
      spec.given(history.open).when({ type: 'WinOpportunity', occurredAt: t2 }).then([won]);
      spec
        .given(history.open)
        .when({ type: 'WinOpportunity', amount: eur(4_500_000), occurredAt: t2 })
        .then([{ type: 'OpportunityWon', occurredAt: t2, data: { opportunityId, amount: eur(4_500_000), fromStage: 'Proposal' } }]);
    });

    it('loses an open deal with its reason and competitor', () => {
      spec
        .given(history.open)
        .when({ type: 'LoseOpportunity', reason: 'price', competitor: 'Babbage & Co', occurredAt: t2 })
        .then([{ type: 'OpportunityLost', occurredAt: t2, data: { opportunityId, reason: 'price', competitor: 'Babbage & Co', fromStage: 'Proposal' } }]);
    });

    it.each(['won', 'lost'] as const)('refuses to win a %s deal', (status) => rejects(status, { type: 'WinOpportunity', occurredAt: t2 }));
    it.each(['won', 'lost'] as const)('refuses to lose a %s deal', (status) => rejects(status, { type: 'LoseOpportunity', reason: 'x', occurredAt: t2 }));

    it('refuses a negative winning amount and a close dated before the last stage change', () => {
      invalid(history.open, { type: 'WinOpportunity', amount: eur(-1), occurredAt: t2 }, 'invalid-amount');
      invalid(history.open, { type: 'WinOpportunity', occurredAt: t0 }, 'occurred-out-of-order');
      invalid(history.open, { type: 'LoseOpportunity', reason: 'x', occurredAt: t0 }, 'occurred-out-of-order');
    });
  });

  describe('reopen', () => {
    it.each(['won', 'lost'] as const)('reopens a %s deal in the stage it was closed from', (status) => {
      spec
        .given(history[status])
        .when({ type: 'ReopenOpportunity', occurredAt: t2, pipeline })
        .then([{ type: 'OpportunityReopened', occurredAt: t2, data: { opportunityId, previousStatus: status, stage: 'Proposal', probability: 50, forecastCategory: 'Best Case' } }]);
    });

    it('reopens in the first stage when the old one was removed', () => {
      spec
        .given(history.lost)
        .when({ type: 'ReopenOpportunity', occurredAt: t2, pipeline: [pipeline[1], pipeline[3]] })
        .then([{ type: 'OpportunityReopened', occurredAt: t2, data: { opportunityId, previousStatus: 'lost', stage: 'Qualification', probability: 20, forecastCategory: 'Pipeline' } }]);
    });

    it('refuses to reopen an open deal', () => rejects('open', { type: 'ReopenOpportunity', occurredAt: t2, pipeline }));

    it('lets a reopened deal be won', () => {
      const reopened: OpportunityStreamEvent = { type: 'OpportunityReopened', occurredAt: t2, data: { opportunityId, previousStatus: 'lost', stage: 'Proposal', probability: 50, forecastCategory: 'Best Case' } };
      spec.given([...history.lost, reopened]).when({ type: 'WinOpportunity', occurredAt: t2 }).then([won]);
    });
  });

  describe('stale deals', () => {
    // Proposal allows 21 idle days: the deal entered it at t1.
    const limit = '2026-03-26T09:00:00.000Z';
    const stale: OpportunityStreamEvent = { type: 'DealWentStale', occurredAt: limit, data: { opportunityId, stage: 'Proposal', idleSince: t1, idleDays: 21 } };

    it('flags a deal idle for longer than its stage allows, dated when it crossed the limit', () => {
      spec.given(history.open).when({ type: 'FlagStaleDeal', asOf: '2026-03-26T09:00:00.001Z', pipeline }).then([stale]);
    });

    it('does not flag a deal within its limit', () => {
      spec.given(history.open).when({ type: 'FlagStaleDeal', asOf: limit, pipeline }).thenNothing();
    });

    it('flags once per idle period', () => {
      spec.given([...history.open, stale]).when({ type: 'FlagStaleDeal', asOf: '2026-05-01T00:00:00.000Z', pipeline }).thenNothing();
    });

    it('starts a new idle period with a logged activity, and flags that one once it runs out too', () => {
      const activity = '2026-03-28T12:00:00.000Z';
      spec.given([...history.open, stale]).when({ type: 'FlagStaleDeal', asOf: '2026-04-10T00:00:00.000Z', lastActivityAt: activity, pipeline }).thenNothing();
      spec
        .given([...history.open, stale])
        .when({ type: 'FlagStaleDeal', asOf: '2026-04-20T00:00:00.000Z', lastActivityAt: activity, pipeline })
        .then([{ type: 'DealWentStale', occurredAt: '2026-04-18T12:00:00.000Z', data: { opportunityId, stage: 'Proposal', idleSince: activity, idleDays: 21 } }]);
    });

    it('ignores an activity older than the last stage change', () => {
      spec.given(history.open).when({ type: 'FlagStaleDeal', asOf: '2026-03-27T00:00:00.000Z', lastActivityAt: t0, pipeline }).then([stale]);
    });

    it.each(['won', 'lost'] as const)('never flags a %s deal', (status) => {
      spec.given(history[status]).when({ type: 'FlagStaleDeal', asOf: '2027-01-01T00:00:00.000Z', pipeline }).thenNothing();
    });
  });
});

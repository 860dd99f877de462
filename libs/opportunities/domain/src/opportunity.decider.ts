import { DealWentStale, ForecastCategory, Money, OpportunityEvent, OpportunityStatus, PipelineStage, PipelineStagesDefined } from '@crm/contracts';
import { CommandRejected, Decider, sameValue } from '@crm/event-sourcing';
import { findStage } from './pipeline';

/** The events of one `opportunity-…` stream (the pipeline's definitions live in their own stream). */
export type OpportunityStreamEvent = Exclude<OpportunityEvent, PipelineStagesDefined>;

export type Opportunity = {
  exists: true;
  opportunityId: string;
  name: string;
  accountName: string;
  amount: Money;
  productType: string;
  ownerId: string;
  expectedCloseDate: string;
  leadId?: string;
  /** The customer account (leads context), when the deal came from a conversion that linked one. */
  accountId?: string;
  status: OpportunityStatus;
  /** The current stage; for a closed deal, the stage it was closed from. */
  stage: string;
  /** The stage's defaults as recorded when the deal entered it. */
  stageProbability: number;
  stageForecastCategory: ForecastCategory;
  /** The owner's forecast category, in force until the next stage change. */
  forecastOverride?: ForecastCategory;
  openedAt: string;
  stageEnteredAt: string;
  closedAt?: string;
  lossReason?: string;
  competitor?: string;
  /** The idle period last flagged stale (its start), so that it is flagged once. */
  staleIdleSince?: string;
  stageChanges: number;
};

export type OpportunityState = { exists: false } | Opportunity;

export type OpportunityChanges = { amount?: Money; expectedCloseDate?: string; ownerId?: string; forecastCategory?: ForecastCategory; name?: string };

export type OpenOpportunity = {
  type: 'OpenOpportunity';
  opportunityId: string;
  name: string;
  accountName: string;
  amount: Money;
  productType: string;
  ownerId: string;
  /** The pipeline's first stage when absent. */
  stage?: string;
  expectedCloseDate: string;
  leadId?: string;
  accountId?: string;
  occurredAt: string;
  pipeline: readonly PipelineStage[];
};
export type ChangeStage = { type: 'ChangeStage'; stage: string; occurredAt: string; pipeline: readonly PipelineStage[] };
export type UpdateOpportunity = { type: 'UpdateOpportunity'; changes: OpportunityChanges };
export type WinOpportunity = { type: 'WinOpportunity'; amount?: Money; occurredAt: string };
export type LoseOpportunity = { type: 'LoseOpportunity'; reason: string; competitor?: string; occurredAt: string };
export type ReopenOpportunity = { type: 'ReopenOpportunity'; occurredAt: string; pipeline: readonly PipelineStage[] };
/** Sent by the stale-deal scheduler; `lastActivityAt` comes from the activities it has seen. */
export type FlagStaleDeal = { type: 'FlagStaleDeal'; asOf: string; lastActivityAt?: string; pipeline: readonly PipelineStage[] };

export type OpportunityCommand = OpenOpportunity | ChangeStage | UpdateOpportunity | WinOpportunity | LoseOpportunity | ReopenOpportunity | FlagStaleDeal;

const dayMs = 86_400_000;
const iso = (value: string): string => new Date(value).toISOString();
const later = (a: string, b: string | undefined): string => (b !== undefined && Date.parse(b) > Date.parse(a) ? iso(b) : iso(a));

const illegal = (state: Opportunity, action: string): never => {
  throw new CommandRejected('conflict', 'illegal-transition', `cannot ${action} an opportunity that is ${state.status}`, { currentStatus: state.status });
};

const existing = (state: OpportunityState): Opportunity => {
  if (!state.exists) throw new CommandRejected('not_found', 'opportunity-not-found', 'no such opportunity');
  return state;
};

const requireOpen = (state: Opportunity, action: string): Opportunity => (state.status === 'open' ? state : illegal(state, action));

const checkAmount = (amount: Money | undefined): void => {
  if (amount !== undefined && (!Number.isSafeInteger(amount.amountMinor) || amount.amountMinor < 0)) {
    throw new CommandRejected('invalid', 'invalid-amount', 'an amount is a non-negative whole number of minor units', { amountMinor: amount.amountMinor });
  }
};

const stageOf = (pipeline: readonly PipelineStage[], name: string) => {
  const found = findStage(pipeline, name);
  if (!found) {
    throw new CommandRejected('invalid', 'unknown-stage', `${name} is not an open stage of the pipeline (use win or lose to close a deal)`, {
      stage: name,
      stages: pipeline.map((stage) => stage.name),
    });
  }
  return found;
};

/** Backdating is allowed, but not to before the deal's last stage change: its timeline stays in order. */
const notBeforeLastChange = (state: Opportunity, occurredAt: string): void => {
  if (Date.parse(occurredAt) < Date.parse(state.stageEnteredAt)) {
    throw new CommandRejected('invalid', 'occurred-out-of-order', 'occurredAt is before the deal’s last stage change', { lastChangeAt: state.stageEnteredAt });
  }
};


/** Where a deal's current idle period began: its last stage change or logged activity. */
export const idleSinceOf = (state: Opportunity, lastActivityAt?: string): string => later(state.stageEnteredAt, lastActivityAt);

export const decideOpportunity = (command: OpportunityCommand, state: OpportunityState): OpportunityStreamEvent[] => {
  if (command.type === 'OpenOpportunity') {
    if (state.exists) throw new CommandRejected('conflict', 'opportunity-exists', 'the opportunity already exists');
    checkAmount(command.amount);
    if (command.pipeline.length === 0) throw new CommandRejected('invalid', 'unknown-stage', 'the pipeline has no stages');
    const { stage } = command.stage === undefined ? { stage: command.pipeline[0] } : stageOf(command.pipeline, command.stage);
    return [
      {
        type: 'OpportunityOpened',
        occurredAt: command.occurredAt,
        data: {
          opportunityId: command.opportunityId,
          name: command.name,
          accountName: command.accountName,
          amount: command.amount,
          productType: command.productType,
          ownerId: command.ownerId,
          stage: stage.name,
          probability: stage.probability,
          forecastCategory: stage.forecastCategory,
          expectedCloseDate: command.expectedCloseDate,
          ...(command.leadId ? { leadId: command.leadId } : {}),
          ...(command.accountId ? { accountId: command.accountId } : {}),
        },
      },
    ];
  }
  const deal = existing(state);
  switch (command.type) {
    case 'ChangeStage': {
      requireOpen(deal, 'change the stage of');
      const { stage, index } = stageOf(command.pipeline, command.stage);
      if (stage.name === deal.stage) return [];
      notBeforeLastChange(deal, command.occurredAt);
      const from = findStage(command.pipeline, deal.stage);
      return [
        {
          type: 'OpportunityStageChanged',
          occurredAt: command.occurredAt,
          data: {
            opportunityId: deal.opportunityId,
            from: deal.stage,
            to: stage.name,
            // A deal in a stage since renamed away has no place in the order: any move is forward.
            direction: from && from.index > index ? 'backward' : 'forward',
            probability: stage.probability,
            forecastCategory: stage.forecastCategory,
          },
        },
      ];
    }
    case 'UpdateOpportunity': {
      requireOpen(deal, 'update');
      checkAmount(command.changes.amount);
      if (command.changes.forecastCategory === 'Closed') {
        throw new CommandRejected('invalid', 'invalid-forecast-category', 'Closed is reserved for won deals: win the deal instead', { forecastCategory: 'Closed' });
      }
      const current: OpportunityChanges = {
        amount: deal.amount,
        expectedCloseDate: deal.expectedCloseDate,
        ownerId: deal.ownerId,
        forecastCategory: deal.forecastOverride,
        name: deal.name,
      };
      const changes = Object.fromEntries(
        Object.entries(command.changes).filter(([key, value]) => value !== undefined && !sameValue(current[key as keyof OpportunityChanges], value)),
      ) as OpportunityChanges;
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'OpportunityUpdated', data: { opportunityId: deal.opportunityId, changes } }];
    }
    case 'WinOpportunity':
      requireOpen(deal, 'win');
      checkAmount(command.amount);
      notBeforeLastChange(deal, command.occurredAt);
      return [{ type: 'OpportunityWon', occurredAt: command.occurredAt, data: { opportunityId: deal.opportunityId, amount: command.amount ?? deal.amount, fromStage: deal.stage } }];
    case 'LoseOpportunity':
      requireOpen(deal, 'lose');
      notBeforeLastChange(deal, command.occurredAt);
      return [
        {
          type: 'OpportunityLost',
          occurredAt: command.occurredAt,
          data: { opportunityId: deal.opportunityId, reason: command.reason, ...(command.competitor ? { competitor: command.competitor } : {}), fromStage: deal.stage },
        },
      ];
    case 'ReopenOpportunity': {
      if (deal.status === 'open') return illegal(deal, 'reopen');
      if (command.pipeline.length === 0) throw new CommandRejected('invalid', 'unknown-stage', 'the pipeline has no stages');
      // Back to the stage it was closed from; the first stage if that one was removed since.
      const stage = findStage(command.pipeline, deal.stage)?.stage ?? command.pipeline[0];
      return [
        {
          type: 'OpportunityReopened',
          occurredAt: command.occurredAt,
          data: { opportunityId: deal.opportunityId, previousStatus: deal.status, stage: stage.name, probability: stage.probability, forecastCategory: stage.forecastCategory },
        },
      ];
    }
    case 'FlagStaleDeal': {
      // The scheduler works from a lagging read model: whatever no longer applies is simply not flagged.
      if (deal.status !== 'open') return [];
      const stage = findStage(command.pipeline, deal.stage)?.stage;
      if (!stage) return [];
      const idleSince = idleSinceOf(deal, command.lastActivityAt);
      if (deal.staleIdleSince !== undefined && iso(deal.staleIdleSince) === idleSince) return [];
      const wentStaleAt = Date.parse(idleSince) + stage.idleDays * dayMs;
      if (Date.parse(command.asOf) <= wentStaleAt) return [];
      const event: DealWentStale = {
        type: 'DealWentStale',
        // When the limit was crossed, not when the scheduler noticed: a scheduler that was down does not shift it.
        occurredAt: new Date(wentStaleAt).toISOString(),
        data: { opportunityId: deal.opportunityId, stage: deal.stage, idleSince, idleDays: stage.idleDays },
      };
      return [event];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
};

export const evolveOpportunity = (state: OpportunityState, event: OpportunityStreamEvent): OpportunityState => {
  const at = event.occurredAt ?? '';
  if (event.type === 'OpportunityOpened') {
    const { probability, forecastCategory, ...data } = event.data;
    return { exists: true, ...data, status: 'open', stageProbability: probability, stageForecastCategory: forecastCategory, openedAt: at, stageEnteredAt: at, stageChanges: 0 };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'OpportunityStageChanged':
      return {
        ...state,
        stage: event.data.to,
        stageProbability: event.data.probability,
        stageForecastCategory: event.data.forecastCategory,
        forecastOverride: undefined,
        stageEnteredAt: at || state.stageEnteredAt,
        stageChanges: state.stageChanges + 1,
      };
    case 'OpportunityUpdated': {
      const { forecastCategory, ...changes } = event.data.changes;
      return { ...state, ...changes, ...(forecastCategory ? { forecastOverride: forecastCategory } : {}) };
    }
    case 'OpportunityWon':
      return { ...state, status: 'won', amount: event.data.amount, closedAt: at, forecastOverride: undefined };
    case 'OpportunityLost':
      return { ...state, status: 'lost', closedAt: at, lossReason: event.data.reason, competitor: event.data.competitor, forecastOverride: undefined };
    case 'OpportunityReopened':
      return {
        ...state,
        status: 'open',
        stage: event.data.stage,
        stageProbability: event.data.probability,
        stageForecastCategory: event.data.forecastCategory,
        stageEnteredAt: at || state.stageEnteredAt,
        closedAt: undefined,
        lossReason: undefined,
        competitor: undefined,
      };
    case 'DealWentStale':
      return { ...state, staleIdleSince: event.data.idleSince };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
};

export const opportunityDecider: Decider<OpportunityCommand, OpportunityStreamEvent, OpportunityState> = {
  decide: decideOpportunity,
  evolve: evolveOpportunity,
  initialState: () => ({ exists: false }),
};

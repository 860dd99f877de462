import { EventData } from '../envelope';
import { Money } from '../money';

export const forecastCategories = ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted'] as const;
export type ForecastCategory = (typeof forecastCategories)[number];

export const opportunityStatuses = ['open', 'won', 'lost'] as const;
export type OpportunityStatus = (typeof opportunityStatuses)[number];

export type PipelineStage = {
  name: string;
  /** Default win probability in percent, 0-100. */
  probability: number;
  forecastCategory: ForecastCategory;
  /** Days without a stage change or activity after which a deal counts as stale. */
  idleDays: number;
};

/**
 * The pipeline a tenant works with until it defines its own: no event records it, so every
 * consumer that orders stages (the opportunities service, analytics) starts from this one.
 */
export const defaultPipelineStages: readonly PipelineStage[] = [
  { name: 'Prospecting', probability: 10, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Qualification', probability: 20, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Proposal', probability: 50, forecastCategory: 'Best Case', idleDays: 21 },
  { name: 'Negotiation', probability: 80, forecastCategory: 'Commit', idleDays: 21 },
];

/** The tenant's ordered open stages, replaced as a whole; Won and Lost are outcomes, not stages. */
export type PipelineStagesDefined = EventData<'PipelineStagesDefined', { stages: PipelineStage[] }>;

// Stage-bearing events carry the stage's default probability and forecast category as they were
// when the event happened, so that a consumer can weigh the pipeline historically without
// replaying the pipeline's definitions.
export type OpportunityOpened = EventData<
  'OpportunityOpened',
  {
    opportunityId: string;
    name: string;
    accountName: string;
    amount: Money;
    productType: string;
    ownerId: string;
    stage: string;
    probability: number;
    forecastCategory: ForecastCategory;
    expectedCloseDate: string;
    leadId?: string;
    /** The customer account (leads context), when known; optional, added without a version bump. `accountName` stays readable. */
    accountId?: string;
  }
>;
export type OpportunityStageChanged = EventData<
  'OpportunityStageChanged',
  {
    opportunityId: string;
    from: string;
    to: string;
    /** Relative to the pipeline's order when the change was made: moving back is allowed. */
    direction: 'forward' | 'backward';
    probability: number;
    forecastCategory: ForecastCategory;
  }
>;
export type OpportunityUpdated = EventData<
  'OpportunityUpdated',
  {
    opportunityId: string;
    /** `forecastCategory` is the owner's override of the stage default, until the next stage change. */
    changes: { amount?: Money; expectedCloseDate?: string; ownerId?: string; forecastCategory?: ForecastCategory; name?: string };
  }
>;
export type OpportunityWon = EventData<'OpportunityWon', { opportunityId: string; amount: Money; fromStage: string }>;
export type OpportunityLost = EventData<'OpportunityLost', { opportunityId: string; reason: string; competitor?: string; fromStage: string }>;
export type OpportunityReopened = EventData<
  'OpportunityReopened',
  { opportunityId: string; previousStatus: 'won' | 'lost'; stage: string; probability: number; forecastCategory: ForecastCategory }
>;
/** Emitted once per idle period: `idleSince` is the last stage change or logged activity. */
export type DealWentStale = EventData<'DealWentStale', { opportunityId: string; stage: string; idleSince: string; idleDays: number }>;

export type OpportunityEvent =
  | PipelineStagesDefined
  | OpportunityOpened
  | OpportunityStageChanged
  | OpportunityUpdated
  | OpportunityWon
  | OpportunityLost
  | OpportunityReopened
  | DealWentStale;

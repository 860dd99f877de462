import { EventData } from '../envelope';
import { Money } from '../money';

export const forecastCategories = ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted'] as const;
export type ForecastCategory = (typeof forecastCategories)[number];

export type PipelineStage = {
  name: string;
  /** Default win probability in percent, 0-100. */
  probability: number;
  forecastCategory: ForecastCategory;
  /** Days without a stage change or activity after which a deal counts as stale. */
  idleDays?: number;
};

export type PipelineStagesDefined = EventData<'PipelineStagesDefined', { stages: PipelineStage[] }>;

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
    expectedCloseDate: string;
    leadId?: string;
  }
>;
export type OpportunityStageChanged = EventData<'OpportunityStageChanged', { opportunityId: string; from: string; to: string }>;
export type OpportunityUpdated = EventData<
  'OpportunityUpdated',
  {
    opportunityId: string;
    changes: { amount?: Money; expectedCloseDate?: string; ownerId?: string; forecastCategory?: ForecastCategory; name?: string };
  }
>;
export type OpportunityWon = EventData<'OpportunityWon', { opportunityId: string; amount: Money; fromStage: string }>;
export type OpportunityLost = EventData<'OpportunityLost', { opportunityId: string; reason: string; competitor?: string; fromStage: string }>;
export type OpportunityReopened = EventData<'OpportunityReopened', { opportunityId: string; stage: string }>;
export type DealWentStale = EventData<'DealWentStale', { opportunityId: string; stage: string; idleSince: string }>;

export type OpportunityEvent =
  | PipelineStagesDefined
  | OpportunityOpened
  | OpportunityStageChanged
  | OpportunityUpdated
  | OpportunityWon
  | OpportunityLost
  | OpportunityReopened
  | DealWentStale;

import { ForecastCategory, PipelineStage } from '@crm/contracts';
import { idleSinceOf, Opportunity } from './opportunity.decider';
import { findStage } from './pipeline';

export type ProbabilitySource = 'stage-default' | 'learned' | 'outcome';

/**
 * A win probability estimated from the tenant's closed deals (analytics). Nothing produces one
 * yet; when analytics does, the service's `WinProbabilities` port returns it and it wins over the
 * stage default once it rests on enough deals.
 */
export type LearnedProbability = {
  /** Percent, 0-100. */
  probability: number;
  /** Closed deals the estimate rests on. */
  basedOnDeals: number;
  modelVersion?: string;
};

/** Fewer closed deals than this and a learned probability is noise: the stage default stands. */
export const minimumLearningHistory = 30;

export type WinProbability = { probability: number; source: ProbabilitySource; basedOnDeals?: number; modelVersion?: string };

/** The stage's current default, or the one recorded when the deal entered a stage since removed. */
export const stageDefaults = (deal: Opportunity, pipeline: readonly PipelineStage[]): { probability: number; forecastCategory: ForecastCategory } => {
  const stage = findStage(pipeline, deal.stage)?.stage;
  return stage ? { probability: stage.probability, forecastCategory: stage.forecastCategory } : { probability: deal.stageProbability, forecastCategory: deal.stageForecastCategory };
};

export const winProbability = (deal: Opportunity, pipeline: readonly PipelineStage[], learned?: LearnedProbability): WinProbability => {
  switch (deal.status) {
    case 'won':
      return { probability: 100, source: 'outcome' };
    case 'lost':
      return { probability: 0, source: 'outcome' };
    case 'open':
      if (learned && learned.basedOnDeals >= minimumLearningHistory && learned.probability >= 0 && learned.probability <= 100) {
        return { probability: learned.probability, source: 'learned', basedOnDeals: learned.basedOnDeals, ...(learned.modelVersion ? { modelVersion: learned.modelVersion } : {}) };
      }
      return { probability: stageDefaults(deal, pipeline).probability, source: 'stage-default' };
    default: {
      const unreachable: never = deal.status;
      return unreachable;
    }
  }
};

export type ForecastCategorySource = 'stage-default' | 'override' | 'outcome';

export const forecastCategoryOf = (deal: Opportunity, pipeline: readonly PipelineStage[]): { forecastCategory: ForecastCategory; source: ForecastCategorySource } => {
  switch (deal.status) {
    case 'won':
      return { forecastCategory: 'Closed', source: 'outcome' };
    case 'lost':
      return { forecastCategory: 'Omitted', source: 'outcome' };
    case 'open':
      return deal.forecastOverride
        ? { forecastCategory: deal.forecastOverride, source: 'override' }
        : { forecastCategory: stageDefaults(deal, pipeline).forecastCategory, source: 'stage-default' };
    default: {
      const unreachable: never = deal.status;
      return unreachable;
    }
  }
};

const dayMs = 86_400_000;
const wholeDays = (from: string, to: string) => Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / dayMs));

export type DealTiming = { ageDays: number; daysInStage: number; idleSince: string; stale: boolean };

/** Ages as of `now`; a closed deal's clock stops when it closed. */
export const dealTiming = (deal: Opportunity, now: string, lastActivityAt?: string): DealTiming => {
  const end = deal.closedAt ?? now;
  const idleSince = idleSinceOf(deal, lastActivityAt);
  return {
    ageDays: wholeDays(deal.openedAt, end),
    daysInStage: wholeDays(deal.stageEnteredAt, end),
    idleSince,
    // Stale while the flagged idle period lasts: a stage change or an activity starts a new one.
    stale: deal.status === 'open' && deal.staleIdleSince !== undefined && Date.parse(deal.staleIdleSince) === Date.parse(idleSince),
  };
};

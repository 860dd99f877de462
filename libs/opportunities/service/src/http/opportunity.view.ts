import { formatMoney, PipelineStage } from '@crm/contracts';
import { dealTiming, forecastCategoryOf, LearnedProbability, Opportunity, pipelineOutcomes, PipelineState, winProbability } from '@crm/opportunities-domain';

export type ViewContext = { pipeline: readonly PipelineStage[]; now: string; lastActivityAt?: string; learned?: LearnedProbability };

/** The API's representation of a deal. */
export const opportunityView = (deal: Opportunity, revision: number, context: ViewContext) => {
  const { amount, currency } = formatMoney(deal.amount);
  const probability = winProbability(deal, context.pipeline, context.learned);
  const forecast = forecastCategoryOf(deal, context.pipeline);
  const timing = dealTiming(deal, context.now, context.lastActivityAt);
  return {
    id: deal.opportunityId,
    name: deal.name,
    accountName: deal.accountName,
    status: deal.status,
    stage: deal.stage,
    amount,
    currency,
    productType: deal.productType,
    ownerId: deal.ownerId,
    leadId: deal.leadId ?? null,
    accountId: deal.accountId ?? null,
    probability: probability.probability,
    /** `stage-default` until analytics has learned enough from closed deals; `outcome` once closed. */
    probabilitySource: probability.source,
    probabilityBasedOnDeals: probability.basedOnDeals ?? null,
    forecastCategory: forecast.forecastCategory,
    forecastCategorySource: forecast.source,
    expectedCloseDate: deal.expectedCloseDate,
    openedAt: deal.openedAt,
    stageEnteredAt: deal.stageEnteredAt,
    closedAt: deal.closedAt ?? null,
    ageDays: timing.ageDays,
    daysInStage: timing.daysInStage,
    lastActivityAt: context.lastActivityAt ?? null,
    idleSince: timing.idleSince,
    stale: timing.stale,
    lossReason: deal.lossReason ?? null,
    competitor: deal.competitor ?? null,
    revision,
  };
};

export type OpportunityView = ReturnType<typeof opportunityView>;

export const pipelineView = (state: PipelineState, revision: number) => ({
  stages: state.stages.map((stage) => ({ name: stage.name, probability: stage.probability, forecastCategory: stage.forecastCategory, idleDays: stage.idleDays })),
  outcomes: pipelineOutcomes.map((outcome) => ({ ...outcome })),
  /** `default` until the tenant defines its own stages. */
  source: state.defined ? 'defined' : 'default',
  revision,
});

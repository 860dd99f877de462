import {
  ActivityLogged,
  ActivityMetric,
  activityMetrics,
  ActivityRatiosSet,
  EventEnvelope,
  ForecastRecorded,
  LeadCaptured,
  LeadConverted,
  LeadScored,
  LeadStatus,
  LeadUpdated,
  MarketingCostRecorded,
  OpportunityOpened,
  OpportunityReopened,
  OpportunityStageChanged,
  OpportunityUpdated,
  OpportunityWon,
  PipelineStage,
  TargetScope,
  TargetSet,
  TaskCompleted,
  TaskCreated,
  TaskStatus,
  TeamMemberUpserted,
} from '@crm/contracts';
import { parsePeriod } from './periods';

// The analytics read models as plain rows, and the pure folds that keep them. Each fact is changed
// only by events of its own stream, so that delivery per stream in order (what the store and
// Kafka's keyed partitions guarantee) is all a replay needs to rebuild the same rows.

/** A lead as the funnel and KPIs see it: where it came from and when it first reached each status. */
export type LeadFact = {
  tenantId: string;
  leadId: string;
  source: string;
  ownerId: string | null;
  region: string | null;
  productInterest: string | null;
  status: LeadStatus;
  capturedAt: string;
  workingAt: string | null;
  qualifiedAt: string | null;
  convertedAt: string | null;
  disqualifiedAt: string | null;
  mergedInto: string | null;
  opportunityId: string | null;
  revision: number;
  /** The estimated value named at capture or since, for the focus list. */
  estimatedValueMinor: number | null;
  estimatedCurrency: string | null;
};

/** One score a lead was given (LeadScored), kept as history for the score trend. */
export type LeadScoreFact = { tenantId: string; leadId: string; revision: number; occurredAt: string; score: number; probability: number | null };

/** A deal's current state, for KPIs and reports. */
export type DealFact = {
  tenantId: string;
  opportunityId: string;
  leadId: string | null;
  name: string;
  ownerId: string;
  productType: string;
  status: 'open' | 'won' | 'lost';
  stage: string;
  probability: number;
  /** The stage's category, or the owner's override until the next stage change. */
  forecastCategory: string;
  currency: string;
  amountMinor: number;
  expectedCloseDate: string;
  openedAt: string;
  /** When it was last won or lost; null while open (a reopened deal is open again). */
  closedAt: string | null;
  revision: number;
};

export const dealEventKinds = ['opened', 'advanced', 'slipped', 'updated', 'won', 'lost', 'reopened'] as const;
export type DealEventKind = (typeof dealEventKinds)[number];

/**
 * One event of a deal's history, as the attributes it set (null: left as it was). A point-in-time
 * answer takes, per attribute, the value of the latest event (by revision) that set it among the
 * events that had occurred by then: exactly the fold of those events.
 */
export type DealEventFact = {
  tenantId: string;
  opportunityId: string;
  revision: number;
  occurredAt: string;
  kind: DealEventKind;
  stage: string | null;
  probability: number | null;
  status: 'open' | 'won' | 'lost' | null;
  amountMinor: number | null;
  currency: string | null;
  ownerId: string | null;
  expectedCloseDate: string | null;
  fromStage: string | null;
  /** The deal's amount right after the event, for the amounts of pipeline changes. */
  amountAfterMinor: number;
  currencyAfter: string;
};

export type TaskFact = {
  tenantId: string;
  taskId: string;
  assigneeId: string | null;
  status: TaskStatus;
  dueAt: string;
  createdAt: string;
  completedAt: string | null;
  onTime: boolean | null;
  relatedType: string;
  relatedId: string;
  automationRule: string | null;
  revision: number;
};

export type ActivityFact = {
  tenantId: string;
  activityId: string;
  actorId: string;
  activityType: string;
  relatedType: string;
  relatedId: string;
  occurredAt: string;
};

export type MemberFact = { tenantId: string; memberId: string; name: string; managerId: string | null; teamId: string | null; region: string | null; active: boolean };

export type CostFact = { tenantId: string; source: string; period: string; periodStart: string; periodEnd: string; currency: string; amountMinor: number };

export type TargetFact = { tenantId: string; scope: TargetScope; scopeId: string; period: string; periodStart: string; periodEnd: string; currency: string; amountMinor: number };

/** An activity-count target (TargetSet with an activity metric). */
export type ActivityTargetFact = { tenantId: string; scope: TargetScope; scopeId: string; period: string; metric: ActivityMetric; periodStart: string; periodEnd: string; count: number };

/** The activity plan's ratios of one currency: activities per `perMinor` of revenue target. */
export type ActivityRatiosFact = { tenantId: string; currency: string; perMinor: number; ratios: Partial<Record<ActivityMetric, number>> };

export type PipelineFact = { tenantId: string; stages: PipelineStage[] };

export type ForecastSnapshotFact = {
  tenantId: string;
  period: string;
  method: string;
  recordedOn: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  expectedMinor: number;
  p10Minor: number | null;
  p90Minor: number | null;
  asOf: string;
};

const leadReached: Partial<Record<LeadStatus, 'workingAt' | 'qualifiedAt' | 'convertedAt'>> = { working: 'workingAt', qualified: 'qualifiedAt', converted: 'convertedAt' };

/** Folds one lead-stream event into the lead's fact; undefined until the lead is captured. */
export const evolveLeadFact = (fact: LeadFact | undefined, event: EventEnvelope): LeadFact | undefined => {
  const at = event.occurredAt;
  if (event.type === 'LeadCaptured') {
    const data = event.data as LeadCaptured['data'];
    return {
      tenantId: event.metadata.tenantId,
      leadId: data.leadId,
      source: data.source,
      ownerId: data.ownerId ?? null,
      region: data.region ?? null,
      productInterest: data.productInterest ?? null,
      status: 'new',
      capturedAt: at,
      workingAt: null,
      qualifiedAt: null,
      convertedAt: null,
      disqualifiedAt: null,
      mergedInto: null,
      opportunityId: null,
      revision: event.revision,
      estimatedValueMinor: data.estimatedValue?.amountMinor ?? null,
      estimatedCurrency: data.estimatedValue?.currency ?? null,
    };
  }
  if (!fact) return undefined;
  const next: LeadFact = { ...fact, revision: event.revision };
  const reach = (status: LeadStatus) => {
    next.status = status;
    const column = leadReached[status];
    if (column && next[column] === null) next[column] = at;
  };
  switch (event.type) {
    case 'LeadUpdated': {
      const changes = (event.data as LeadUpdated['data']).changes;
      if ('region' in changes) next.region = changes.region ?? null;
      if ('productInterest' in changes) next.productInterest = changes.productInterest ?? null;
      if ('estimatedValue' in changes) {
        next.estimatedValueMinor = changes.estimatedValue?.amountMinor ?? null;
        next.estimatedCurrency = changes.estimatedValue?.currency ?? null;
      }
      break;
    }
    case 'LeadAssigned':
      next.ownerId = (event.data as { ownerId: string }).ownerId;
      break;
    case 'LeadStatusChanged':
      reach((event.data as { to: LeadStatus }).to);
      break;
    case 'LeadQualified':
      reach('qualified');
      break;
    case 'LeadReopened':
      next.status = 'working';
      break;
    case 'LeadDisqualified':
      next.status = 'disqualified';
      next.disqualifiedAt = at;
      break;
    case 'LeadConverted': {
      reach('converted');
      next.opportunityId = (event.data as LeadConverted['data']).opportunityId;
      break;
    }
    case 'LeadMergedInto':
      next.mergedInto = (event.data as { survivorId: string }).survivorId;
      break;
    default:
      break;
  }
  return next;
};

/** Folds one opportunity-stream event: the deal's new state and the history row it adds, if any. */
export const evolveDealFact = (fact: DealFact | undefined, event: EventEnvelope): { fact: DealFact | undefined; history?: DealEventFact } => {
  const at = event.occurredAt;
  const row = (deal: DealFact, kind: DealEventKind, set: Partial<DealEventFact>): DealEventFact => ({
    tenantId: deal.tenantId,
    opportunityId: deal.opportunityId,
    revision: event.revision,
    occurredAt: at,
    kind,
    stage: null,
    probability: null,
    status: null,
    amountMinor: null,
    currency: null,
    ownerId: null,
    expectedCloseDate: null,
    fromStage: null,
    ...set,
    amountAfterMinor: deal.amountMinor,
    currencyAfter: deal.currency,
  });
  if (event.type === 'OpportunityOpened') {
    const data = event.data as OpportunityOpened['data'];
    const deal: DealFact = {
      tenantId: event.metadata.tenantId,
      opportunityId: data.opportunityId,
      leadId: data.leadId ?? null,
      name: data.name,
      ownerId: data.ownerId,
      productType: data.productType,
      status: 'open',
      stage: data.stage,
      probability: data.probability,
      forecastCategory: data.forecastCategory,
      currency: data.amount.currency,
      amountMinor: data.amount.amountMinor,
      expectedCloseDate: data.expectedCloseDate,
      openedAt: at,
      closedAt: null,
      revision: event.revision,
    };
    return {
      fact: deal,
      history: row(deal, 'opened', {
        stage: deal.stage,
        probability: deal.probability,
        status: 'open',
        amountMinor: deal.amountMinor,
        currency: deal.currency,
        ownerId: deal.ownerId,
        expectedCloseDate: deal.expectedCloseDate,
      }),
    };
  }
  if (!fact) return { fact: undefined };
  switch (event.type) {
    case 'OpportunityStageChanged': {
      const data = event.data as OpportunityStageChanged['data'];
      const deal = { ...fact, stage: data.to, probability: data.probability, forecastCategory: data.forecastCategory, revision: event.revision };
      return { fact: deal, history: row(deal, data.direction === 'backward' ? 'slipped' : 'advanced', { stage: data.to, probability: data.probability, fromStage: data.from }) };
    }
    case 'OpportunityUpdated': {
      const { changes } = event.data as OpportunityUpdated['data'];
      const deal = {
        ...fact,
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.ownerId !== undefined ? { ownerId: changes.ownerId } : {}),
        ...(changes.expectedCloseDate !== undefined ? { expectedCloseDate: changes.expectedCloseDate } : {}),
        ...(changes.amount !== undefined ? { amountMinor: changes.amount.amountMinor, currency: changes.amount.currency } : {}),
        ...(changes.forecastCategory !== undefined ? { forecastCategory: changes.forecastCategory } : {}),
        revision: event.revision,
      };
      if (changes.ownerId === undefined && changes.expectedCloseDate === undefined && changes.amount === undefined) return { fact: deal };
      return {
        fact: deal,
        history: row(deal, 'updated', {
          ownerId: changes.ownerId ?? null,
          expectedCloseDate: changes.expectedCloseDate ?? null,
          amountMinor: changes.amount?.amountMinor ?? null,
          currency: changes.amount?.currency ?? null,
        }),
      };
    }
    case 'OpportunityWon': {
      const data = event.data as OpportunityWon['data'];
      const deal: DealFact = { ...fact, status: 'won', closedAt: at, amountMinor: data.amount.amountMinor, currency: data.amount.currency, revision: event.revision };
      return { fact: deal, history: row(deal, 'won', { status: 'won', amountMinor: data.amount.amountMinor, currency: data.amount.currency, fromStage: data.fromStage }) };
    }
    case 'OpportunityLost': {
      const deal: DealFact = { ...fact, status: 'lost', closedAt: at, revision: event.revision };
      return { fact: deal, history: row(deal, 'lost', { status: 'lost', fromStage: (event.data as { fromStage: string }).fromStage }) };
    }
    case 'OpportunityReopened': {
      const data = event.data as OpportunityReopened['data'];
      const deal: DealFact = { ...fact, status: 'open', closedAt: null, stage: data.stage, probability: data.probability, forecastCategory: data.forecastCategory, revision: event.revision };
      return { fact: deal, history: row(deal, 'reopened', { status: 'open', stage: data.stage, probability: data.probability }) };
    }
    default:
      return { fact: { ...fact, revision: event.revision } };
  }
};

/** Folds one task-stream event into the task's fact. */
export const evolveTaskFact = (fact: TaskFact | undefined, event: EventEnvelope): TaskFact | undefined => {
  if (event.type === 'TaskCreated') {
    const data = event.data as TaskCreated['data'];
    return {
      tenantId: event.metadata.tenantId,
      taskId: data.taskId,
      assigneeId: data.assigneeId ?? null,
      status: 'open',
      dueAt: data.dueAt,
      createdAt: event.occurredAt,
      completedAt: null,
      onTime: null,
      relatedType: data.related.type,
      relatedId: data.related.id,
      automationRule: data.automationRule ?? null,
      revision: event.revision,
    };
  }
  if (!fact) return undefined;
  switch (event.type) {
    case 'TaskReassigned':
      return { ...fact, assigneeId: (event.data as { assigneeId: string }).assigneeId, revision: event.revision };
    case 'TaskUpdated': {
      const dueAt = (event.data as { changes: { dueAt?: string } }).changes.dueAt;
      return { ...fact, ...(dueAt !== undefined ? { dueAt } : {}), revision: event.revision };
    }
    case 'TaskCompleted': {
      const data = event.data as TaskCompleted['data'];
      return { ...fact, status: 'done', completedAt: event.occurredAt, onTime: data.onTime, assigneeId: data.assigneeId ?? fact.assigneeId, dueAt: data.dueAt, revision: event.revision };
    }
    case 'TaskCancelled':
      return { ...fact, status: 'cancelled', revision: event.revision };
    default:
      return { ...fact, revision: event.revision };
  }
};

export const activityFact = (event: EventEnvelope): ActivityFact | undefined => {
  if (event.type !== 'ActivityLogged') return undefined;
  const data = event.data as ActivityLogged['data'];
  return {
    tenantId: event.metadata.tenantId,
    activityId: data.activityId,
    actorId: event.metadata.actor.id,
    activityType: data.activityType,
    relatedType: data.related.type,
    relatedId: data.related.id,
    occurredAt: event.occurredAt,
  };
};

export const memberFact = (event: EventEnvelope): MemberFact | undefined => {
  if (event.type !== 'TeamMemberUpserted') return undefined;
  const data = event.data as TeamMemberUpserted['data'] & { teamId?: string };
  return {
    tenantId: event.metadata.tenantId,
    memberId: data.memberId,
    name: data.name,
    managerId: data.managerId ?? null,
    teamId: data.teamId ?? null,
    region: data.region ?? null,
    active: data.active,
  };
};

export const costFact = (event: EventEnvelope): CostFact | undefined => {
  if (event.type !== 'MarketingCostRecorded') return undefined;
  const data = event.data as MarketingCostRecorded['data'];
  const interval = parsePeriod(data.period);
  if (!interval) return undefined;
  return {
    tenantId: event.metadata.tenantId,
    source: data.source,
    period: data.period,
    periodStart: interval.start.toISOString(),
    periodEnd: interval.end.toISOString(),
    currency: data.amount.currency,
    amountMinor: data.amount.amountMinor,
  };
};

/** A revenue target: a TargetSet without metric (every one before activity targets) or with `revenue`. */
export const targetFact = (event: EventEnvelope): TargetFact | undefined => {
  if (event.type !== 'TargetSet') return undefined;
  const data = event.data as TargetSet['data'];
  const interval = parsePeriod(data.period);
  if (!interval || (data.metric !== undefined && data.metric !== 'revenue') || !data.amount) return undefined;
  return {
    tenantId: event.metadata.tenantId,
    scope: data.scope,
    scopeId: data.scopeId,
    period: data.period,
    periodStart: interval.start.toISOString(),
    periodEnd: interval.end.toISOString(),
    currency: data.amount.currency,
    amountMinor: data.amount.amountMinor,
  };
};

export const activityTargetFact = (event: EventEnvelope): ActivityTargetFact | undefined => {
  if (event.type !== 'TargetSet') return undefined;
  const data = event.data as TargetSet['data'];
  const interval = parsePeriod(data.period);
  if (!interval || data.metric === undefined || data.metric === 'revenue' || data.count === undefined) return undefined;
  return {
    tenantId: event.metadata.tenantId,
    scope: data.scope,
    scopeId: data.scopeId,
    period: data.period,
    metric: data.metric,
    periodStart: interval.start.toISOString(),
    periodEnd: interval.end.toISOString(),
    count: data.count,
  };
};

export const activityRatiosFact = (event: EventEnvelope): ActivityRatiosFact | undefined => {
  if (event.type !== 'ActivityRatiosSet') return undefined;
  const data = event.data as ActivityRatiosSet['data'];
  // Only the metrics the contract names, in its order, so that a replay writes the same jsonb.
  const ratios = Object.fromEntries(activityMetrics.filter((metric) => typeof data.ratios[metric] === 'number').map((metric) => [metric, data.ratios[metric]]));
  return { tenantId: event.metadata.tenantId, currency: data.per.currency, perMinor: data.per.amountMinor, ratios };
};

export const leadScoreFact = (event: EventEnvelope): LeadScoreFact | undefined => {
  if (event.type !== 'LeadScored') return undefined;
  const data = event.data as LeadScored['data'];
  return { tenantId: event.metadata.tenantId, leadId: data.leadId, revision: event.revision, occurredAt: event.occurredAt, score: data.score, probability: data.probability ?? null };
};

export const forecastSnapshotFact = (event: EventEnvelope): ForecastSnapshotFact | undefined => {
  if (event.type !== 'ForecastRecorded') return undefined;
  const data = event.data as ForecastRecorded['data'];
  const interval = parsePeriod(data.period);
  if (!interval) return undefined;
  return {
    tenantId: event.metadata.tenantId,
    period: data.period,
    method: data.method,
    recordedOn: data.asOf.slice(0, 10),
    periodStart: interval.start.toISOString(),
    periodEnd: interval.end.toISOString(),
    currency: data.expected.currency,
    expectedMinor: data.expected.amountMinor,
    p10Minor: data.p10?.amountMinor ?? null,
    p90Minor: data.p90?.amountMinor ?? null,
    asOf: data.asOf,
  };
};

export const pipelineFact = (event: EventEnvelope): PipelineFact | undefined =>
  event.type === 'PipelineStagesDefined' ? { tenantId: event.metadata.tenantId, stages: (event.data as { stages: PipelineStage[] }).stages } : undefined;

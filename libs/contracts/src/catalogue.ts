import { AnalyticsEvent } from './analytics/analytics-events';
import { AccountEvent, ContactEvent } from './leads/customer-events';
import { LeadEvent, ScoringEvent } from './leads/lead-events';
import { OpportunityEvent } from './opportunities/opportunity-events';
import { TaskEvent } from './tasks/task-events';
import { Topic, topics } from './topics';

export type CrmEvent = LeadEvent | ScoringEvent | AccountEvent | ContactEvent | OpportunityEvent | TaskEvent | AnalyticsEvent;
export type CrmEventType = CrmEvent['type'];

type Catalogue = { [T in CrmEventType]: { topic: Topic; version: number } };

/**
 * Every event type with its current schema version and topic. A change of shape adds a version
 * here and an upcaster for the old one; stored events are never rewritten.
 */
export const eventCatalogue: Catalogue = {
  LeadCaptured: { topic: topics.leads, version: 1 },
  LeadUpdated: { topic: topics.leads, version: 1 },
  LeadEngagementRecorded: { topic: topics.leads, version: 1 },
  LeadScored: { topic: topics.leads, version: 1 },
  LeadAssigned: { topic: topics.leads, version: 1 },
  LeadStatusChanged: { topic: topics.leads, version: 1 },
  LeadQualified: { topic: topics.leads, version: 1 },
  LeadDisqualified: { topic: topics.leads, version: 1 },
  LeadReopened: { topic: topics.leads, version: 1 },
  LeadConverted: { topic: topics.leads, version: 1 },
  LeadMerged: { topic: topics.leads, version: 1 },
  LeadMergedInto: { topic: topics.leads, version: 1 },
  LeadErased: { topic: topics.leads, version: 1 },
  AccountCreated: { topic: topics.leads, version: 1 },
  AccountUpdated: { topic: topics.leads, version: 1 },
  AccountMerged: { topic: topics.leads, version: 1 },
  AccountMergedInto: { topic: topics.leads, version: 1 },
  ContactCreated: { topic: topics.leads, version: 1 },
  ContactUpdated: { topic: topics.leads, version: 1 },
  ContactMerged: { topic: topics.leads, version: 1 },
  ContactMergedInto: { topic: topics.leads, version: 1 },
  ContactErased: { topic: topics.leads, version: 1 },
  ScoringRulesDefined: { topic: topics.leads, version: 1 },
  ScoringModelTrained: { topic: topics.leads, version: 1 },
  PipelineStagesDefined: { topic: topics.opportunities, version: 1 },
  OpportunityOpened: { topic: topics.opportunities, version: 1 },
  OpportunityStageChanged: { topic: topics.opportunities, version: 1 },
  OpportunityUpdated: { topic: topics.opportunities, version: 1 },
  OpportunityWon: { topic: topics.opportunities, version: 1 },
  OpportunityLost: { topic: topics.opportunities, version: 1 },
  OpportunityReopened: { topic: topics.opportunities, version: 1 },
  DealWentStale: { topic: topics.opportunities, version: 1 },
  TeamMemberUpserted: { topic: topics.tasks, version: 1 },
  TaskCreated: { topic: topics.tasks, version: 1 },
  TaskReassigned: { topic: topics.tasks, version: 1 },
  TaskUpdated: { topic: topics.tasks, version: 1 },
  TaskCompleted: { topic: topics.tasks, version: 1 },
  TaskCancelled: { topic: topics.tasks, version: 1 },
  TaskBecameOverdue: { topic: topics.tasks, version: 1 },
  ActivityLogged: { topic: topics.tasks, version: 1 },
  AutomationRulesDefined: { topic: topics.tasks, version: 1 },
  MarketingCostRecorded: { topic: topics.analytics, version: 1 },
  TargetSet: { topic: topics.analytics, version: 1 },
  ActivityRatiosSet: { topic: topics.analytics, version: 1 },
  ForecastRecorded: { topic: topics.analytics, version: 1 },
};

export const isCrmEventType = (type: string): type is CrmEventType => Object.prototype.hasOwnProperty.call(eventCatalogue, type);

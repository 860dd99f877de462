import {
  AutomationRuleName,
  AutomationRules,
  DealWentStale,
  LeadAssigned,
  LeadCaptured,
  OpportunityStageChanged,
  PlaybookTask,
  RelatedRecord,
  TaskPriority,
  TaskType,
} from '@crm/contracts';
import { derivedUuid } from './ids';

/** The rules a tenant starts with, until it puts its own. Stage names are the pipeline's defaults. */
export const defaultAutomationRules: AutomationRules = {
  leadAssigned: { enabled: true, title: 'First contact', taskType: 'call', priority: 'high', slaHours: 24 },
  stagePlaybooks: {
    Prospecting: [{ title: 'Research the account and its buying centre', taskType: 'todo', priority: 'normal', dueInHours: 48 }],
    Qualification: [
      { title: 'Discovery call', taskType: 'call', priority: 'high', dueInHours: 48 },
      { title: 'Confirm budget, authority, need and timeline', taskType: 'todo', priority: 'normal', dueInHours: 72 },
    ],
    Proposal: [
      { title: 'Send the proposal', taskType: 'email', priority: 'high', dueInHours: 24 },
      { title: 'Walk the buyer through the proposal', taskType: 'meeting', priority: 'normal', dueInHours: 72 },
    ],
    Negotiation: [
      { title: 'Agree commercial terms', taskType: 'meeting', priority: 'high', dueInHours: 48 },
      { title: 'Send the contract for signature', taskType: 'email', priority: 'high', dueInHours: 96 },
    ],
  },
  dealWentStale: { enabled: true, title: 'Follow up on the stalled deal', taskType: 'call', priority: 'high', dueInHours: 24 },
  assignment: { valueBands: [] },
};

/** A task an automation rule asks for; the assignee is resolved by the caller unless the trigger names it. */
export type PlannedTask = {
  taskId: string;
  rule: AutomationRuleName;
  title: string;
  taskType: TaskType;
  priority: TaskPriority;
  dueAt: string;
  notes?: string;
  related: RelatedRecord;
  /** Set when the trigger itself says who owns the record (a lead's new owner). */
  assigneeId?: string;
  triggeredBy: string;
};

/** The triggering event as stored: its id makes the generated tasks' ids. */
export type AutomationTrigger = { id: string; type: string; occurredAt: string; data: unknown };

const hoursAfter = (instant: string, hours: number): string => new Date(Date.parse(instant) + Math.round(hours * 3_600_000)).toISOString();

/** The task id the rule's `slot`-th task gets for this trigger: the same on every delivery. */
export const automationTaskId = (triggerId: string, rule: AutomationRuleName, slot: number): string => derivedUuid('automation-task', triggerId, rule, String(slot));

const stagePlaybook = (playbooks: AutomationRules['stagePlaybooks'], stage: string): PlaybookTask[] => {
  if (playbooks[stage]) return playbooks[stage];
  const key = Object.keys(playbooks).find((name) => name.trim().toLowerCase() === stage.trim().toLowerCase());
  return key ? playbooks[key] : [];
};

/**
 * The tasks the rules generate for one event, with ids derived from the event's id. Besides
 * LeadAssigned, a lead captured with an owner counts as assigned: it never gets a LeadAssigned.
 */
export const planAutomationTasks = (trigger: AutomationTrigger, rules: AutomationRules): PlannedTask[] => {
  const known = trigger as AutomationTrigger & (LeadAssigned | LeadCaptured | OpportunityStageChanged | DealWentStale | { type: 'other' });
  switch (known.type) {
    case 'LeadAssigned':
    case 'LeadCaptured': {
      const { leadId, ownerId } = known.data;
      if (!rules.leadAssigned.enabled || !ownerId) return [];
      const rule = rules.leadAssigned;
      return [
        {
          taskId: automationTaskId(trigger.id, 'lead-assigned', 0),
          rule: 'lead-assigned',
          title: rule.title,
          taskType: rule.taskType,
          priority: rule.priority,
          dueAt: hoursAfter(trigger.occurredAt, rule.slaHours),
          notes: `Contact the lead within ${rule.slaHours} h of assignment.`,
          related: { type: 'lead', id: leadId },
          assigneeId: ownerId,
          triggeredBy: trigger.id,
        },
      ];
    }
    case 'OpportunityStageChanged': {
      const { opportunityId, to } = known.data;
      return stagePlaybook(rules.stagePlaybooks, to).map((task, slot) => ({
        taskId: automationTaskId(trigger.id, 'stage-playbook', slot),
        rule: 'stage-playbook',
        title: task.title,
        taskType: task.taskType,
        priority: task.priority,
        dueAt: hoursAfter(trigger.occurredAt, task.dueInHours),
        notes: `Playbook of stage ${to}.`,
        related: { type: 'opportunity', id: opportunityId },
        triggeredBy: trigger.id,
      }));
    }
    case 'DealWentStale': {
      const { opportunityId, stage, idleSince } = known.data;
      const rule = rules.dealWentStale;
      if (!rule.enabled) return [];
      return [
        {
          taskId: automationTaskId(trigger.id, 'deal-went-stale', 0),
          rule: 'deal-went-stale',
          title: rule.title,
          taskType: rule.taskType,
          priority: rule.priority,
          dueAt: hoursAfter(trigger.occurredAt, rule.dueInHours),
          notes: `No stage change or activity in ${stage} since ${idleSince}.`,
          related: { type: 'opportunity', id: opportunityId },
          triggeredBy: trigger.id,
        },
      ];
    }
    default:
      return [];
  }
};

/** The event types automation reacts to. */
export const automationTriggerTypes = ['LeadAssigned', 'LeadCaptured', 'OpportunityStageChanged', 'DealWentStale'] as const;

import { EventData } from '../envelope';
import { Money } from '../money';

/** What a task or activity is about: a lead or deal, or a customer account or contact (issue #12). */
export const relatedRecordTypes = ['lead', 'opportunity', 'account', 'contact'] as const;
export type RelatedRecordType = (typeof relatedRecordTypes)[number];
export type RelatedRecord = { type: RelatedRecordType; id: string };

export const taskTypes = ['call', 'email', 'meeting', 'todo'] as const;
export type TaskType = (typeof taskTypes)[number];

export const taskPriorities = ['low', 'normal', 'high'] as const;
export type TaskPriority = (typeof taskPriorities)[number];

export const taskStatuses = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const activityTypes = ['call', 'email', 'meeting', 'note'] as const;
export type ActivityType = (typeof activityTypes)[number];

export const activityDirections = ['inbound', 'outbound'] as const;
export type ActivityDirection = (typeof activityDirections)[number];

export const teamRoles = ['rep', 'manager'] as const;
export type TeamRole = (typeof teamRoles)[number];

/**
 * How a task got its assignee: named in the request, the related record's owner, or the
 * assignment rules (region, product line, deal value band, load). Absent: nobody was eligible.
 */
export type TaskAssignmentSource = 'explicit' | 'record-owner' | 'rules';

/** The automation rule that generated a task. */
export type AutomationRuleName = 'lead-assigned' | 'stage-playbook' | 'deal-went-stale';

export type TeamMemberUpserted = EventData<
  'TeamMemberUpserted',
  {
    memberId: string;
    name: string;
    email: string;
    role: TeamRole;
    managerId?: string;
    region?: string;
    /** The member's team (same character rules as a member id), for grouping and targets by team. Absent: no team. */
    teamId?: string;
    productLines: string[];
    capacity?: number;
    active: boolean;
  }
>;
export type TaskCreated = EventData<
  'TaskCreated',
  {
    taskId: string;
    title: string;
    taskType: TaskType;
    assigneeId?: string;
    assignedBy?: TaskAssignmentSource;
    related: RelatedRecord;
    dueAt: string;
    priority: TaskPriority;
    notes?: string;
    /** Id of the event that made an automation rule generate this task. */
    triggeredBy?: string;
    automationRule?: AutomationRuleName;
  }
>;
export type TaskReassigned = EventData<'TaskReassigned', { taskId: string; assigneeId: string; previousAssigneeId?: string }>;
export type TaskUpdated = EventData<'TaskUpdated', { taskId: string; changes: { dueAt?: string; priority?: TaskPriority; title?: string } }>;
/**
 * `onTime` is whether it was completed (the event's `occurredAt`) no later than `dueAt`; with
 * `assigneeId` analytics rolls up on-time and late completions per assignee without folding tasks.
 */
export type TaskCompleted = EventData<'TaskCompleted', { taskId: string; outcome?: string; onTime: boolean; assigneeId?: string; dueAt: string }>;
export type TaskCancelled = EventData<'TaskCancelled', { taskId: string; reason: string }>;
/** Emitted once per due date an open task passes; rescheduling gives the task a new chance. */
export type TaskBecameOverdue = EventData<'TaskBecameOverdue', { taskId: string; dueAt: string; assigneeId?: string }>;
export type ActivityLogged = EventData<
  'ActivityLogged',
  {
    activityId: string;
    activityType: ActivityType;
    related: RelatedRecord;
    summary: string;
    direction?: ActivityDirection;
    durationMinutes?: number;
  }
>;

/** A task an automation rule creates; due `dueInHours` after the triggering event occurred. */
export type PlaybookTask = { title: string; taskType: TaskType; priority: TaskPriority; dueInHours: number };

/**
 * Narrows the assignment-rule pool for records worth at least `minAmount` (same currency) to
 * `memberIds`; the band with the highest matching threshold applies.
 */
export type DealValueBand = { name: string; minAmount: Money; memberIds: string[] };

export type AutomationRules = {
  leadAssigned: { enabled: boolean; title: string; taskType: TaskType; priority: TaskPriority; slaHours: number };
  /** Stage name (as the pipeline names it) to the tasks entering that stage creates. */
  stagePlaybooks: Record<string, PlaybookTask[]>;
  dealWentStale: { enabled: boolean } & PlaybookTask;
  assignment: { valueBands: DealValueBand[] };
};

export type AutomationRulesDefined = EventData<'AutomationRulesDefined', { version: number; rules: AutomationRules }>;

export type TaskEvent =
  | TeamMemberUpserted
  | TaskCreated
  | TaskReassigned
  | TaskUpdated
  | TaskCompleted
  | TaskCancelled
  | TaskBecameOverdue
  | ActivityLogged
  | AutomationRulesDefined;

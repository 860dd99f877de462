import { EventData } from '../envelope';

export type RelatedRecord = { type: 'lead' | 'opportunity'; id: string };
export type TaskType = 'call' | 'email' | 'meeting' | 'todo';
export type TaskPriority = 'low' | 'normal' | 'high';
export type ActivityType = 'call' | 'email' | 'meeting' | 'note';

export type TeamMemberUpserted = EventData<
  'TeamMemberUpserted',
  {
    memberId: string;
    name: string;
    email: string;
    role: 'rep' | 'manager';
    managerId?: string;
    region?: string;
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
    related: RelatedRecord;
    dueAt: string;
    priority: TaskPriority;
    notes?: string;
    triggeredBy?: string;
  }
>;
export type TaskReassigned = EventData<'TaskReassigned', { taskId: string; assigneeId: string; previousAssigneeId?: string }>;
export type TaskUpdated = EventData<'TaskUpdated', { taskId: string; changes: { dueAt?: string; priority?: TaskPriority; title?: string } }>;
export type TaskCompleted = EventData<'TaskCompleted', { taskId: string; outcome?: string; onTime: boolean }>;
export type TaskCancelled = EventData<'TaskCancelled', { taskId: string; reason: string }>;
export type TaskBecameOverdue = EventData<'TaskBecameOverdue', { taskId: string; dueAt: string }>;
export type ActivityLogged = EventData<
  'ActivityLogged',
  {
    activityId: string;
    activityType: ActivityType;
    related: RelatedRecord;
    summary: string;
    direction?: 'inbound' | 'outbound';
    durationMinutes?: number;
  }
>;

export type TaskEvent =
  | TeamMemberUpserted
  | TaskCreated
  | TaskReassigned
  | TaskUpdated
  | TaskCompleted
  | TaskCancelled
  | TaskBecameOverdue
  | ActivityLogged;

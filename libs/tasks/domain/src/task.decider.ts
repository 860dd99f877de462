import {
  TaskBecameOverdue,
  TaskCancelled,
  TaskCompleted,
  TaskCreated,
  TaskPriority,
  TaskReassigned,
  TaskStatus,
  TaskUpdated,
} from '@crm/contracts';
import { CommandRejected, Decider } from '@crm/event-sourcing';

/** The events of a `task-…` stream. */
export type TaskStreamEvent = TaskCreated | TaskReassigned | TaskUpdated | TaskCompleted | TaskCancelled | TaskBecameOverdue;

/** A task as it stands: what TaskCreated said, and what happened to it since. */
export type Task = TaskCreated['data'] & {
  exists: true;
  status: TaskStatus;
  createdAt: string;
  completedAt?: string;
  outcome?: string;
  completedOnTime?: boolean;
  cancelledAt?: string;
  cancellationReason?: string;
  /** The due dates this task was reported overdue for: once per due date, however often asked. */
  overdueFor: string[];
  becameOverdueAt?: string;
};

export type TaskState = { exists: false } | Task;

export type TaskChanges = { dueAt?: string; priority?: TaskPriority; title?: string };

export type CreateTask = { type: 'CreateTask'; createdAt: string } & TaskCreated['data'];
export type CompleteTask = { type: 'CompleteTask'; outcome?: string; completedAt: string };
export type ReassignTask = { type: 'ReassignTask'; assigneeId: string };
export type CancelTask = { type: 'CancelTask'; reason: string; cancelledAt: string };
export type UpdateTask = { type: 'UpdateTask'; changes: TaskChanges };
/** Asked by the overdue scheduler with its clock's time. */
export type MarkTaskOverdue = { type: 'MarkTaskOverdue'; asOf: string };

export type TaskCommand = CreateTask | CompleteTask | ReassignTask | CancelTask | UpdateTask | MarkTaskOverdue;

const illegal = (task: Task, action: string): never => {
  throw new CommandRejected('conflict', 'illegal-transition', `cannot ${action} a task that is ${task.status}`, { currentStatus: task.status });
};

const existing = (state: TaskState): Task => {
  if (!state.exists) throw new CommandRejected('not_found', 'task-not-found', 'no such task');
  return state;
};

/** True once `asOf` is past `dueAt`; both are ISO-8601 instants. */
export const isPastDue = (dueAt: string, asOf: string): boolean => Date.parse(asOf) > Date.parse(dueAt);

export const isOverdueFlagged = (task: Task): boolean => task.overdueFor.includes(task.dueAt);

export const decideTask = (command: TaskCommand, state: TaskState): TaskStreamEvent[] => {
  if (command.type === 'CreateTask') {
    if (state.exists) throw new CommandRejected('conflict', 'task-exists', 'the task already exists', { taskId: state.taskId });
    const { type: _type, createdAt, ...fields } = command;
    const data: TaskCreated['data'] = {
      taskId: fields.taskId,
      title: fields.title,
      taskType: fields.taskType,
      related: fields.related,
      dueAt: fields.dueAt,
      priority: fields.priority,
      ...(fields.assigneeId !== undefined ? { assigneeId: fields.assigneeId, assignedBy: fields.assignedBy ?? 'explicit' } : {}),
      ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
      ...(fields.triggeredBy !== undefined ? { triggeredBy: fields.triggeredBy } : {}),
      ...(fields.automationRule !== undefined ? { automationRule: fields.automationRule } : {}),
    };
    return [{ type: 'TaskCreated', occurredAt: createdAt, data }];
  }
  const task = existing(state);
  switch (command.type) {
    case 'CompleteTask': {
      if (task.status !== 'open') return illegal(task, 'complete');
      const onTime = !isPastDue(task.dueAt, command.completedAt);
      return [
        {
          type: 'TaskCompleted',
          occurredAt: command.completedAt,
          data: {
            taskId: task.taskId,
            ...(command.outcome !== undefined ? { outcome: command.outcome } : {}),
            onTime,
            ...(task.assigneeId !== undefined ? { assigneeId: task.assigneeId } : {}),
            dueAt: task.dueAt,
          },
        },
      ];
    }
    case 'ReassignTask':
      if (task.status !== 'open') return illegal(task, 'reassign');
      if (task.assigneeId === command.assigneeId) return [];
      return [
        {
          type: 'TaskReassigned',
          data: { taskId: task.taskId, assigneeId: command.assigneeId, ...(task.assigneeId !== undefined ? { previousAssigneeId: task.assigneeId } : {}) },
        },
      ];
    case 'CancelTask':
      if (task.status !== 'open') return illegal(task, 'cancel');
      return [{ type: 'TaskCancelled', occurredAt: command.cancelledAt, data: { taskId: task.taskId, reason: command.reason } }];
    case 'UpdateTask': {
      if (task.status !== 'open') return illegal(task, 'change');
      const changes: TaskChanges = {};
      if (command.changes.dueAt !== undefined && Date.parse(command.changes.dueAt) !== Date.parse(task.dueAt)) changes.dueAt = command.changes.dueAt;
      if (command.changes.priority !== undefined && command.changes.priority !== task.priority) changes.priority = command.changes.priority;
      if (command.changes.title !== undefined && command.changes.title !== task.title) changes.title = command.changes.title;
      return Object.keys(changes).length ? [{ type: 'TaskUpdated', data: { taskId: task.taskId, changes } }] : [];
    }
    case 'MarkTaskOverdue':
      // Not an error when there is nothing to do: the scheduler asks on a possibly stale read model.
      if (task.status !== 'open' || isOverdueFlagged(task) || !isPastDue(task.dueAt, command.asOf)) return [];
      return [
        {
          type: 'TaskBecameOverdue',
          occurredAt: command.asOf,
          data: { taskId: task.taskId, dueAt: task.dueAt, ...(task.assigneeId !== undefined ? { assigneeId: task.assigneeId } : {}) },
        },
      ];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
};

export const evolveTask = (state: TaskState, event: TaskStreamEvent & { occurredAt?: string }): TaskState => {
  if (event.type === 'TaskCreated') {
    const { taskId, title, taskType, assigneeId, assignedBy, related, dueAt, priority, notes, triggeredBy, automationRule } = event.data;
    return {
      exists: true,
      taskId,
      title,
      taskType,
      status: 'open',
      assigneeId,
      assignedBy,
      related,
      dueAt,
      priority,
      notes,
      triggeredBy,
      automationRule,
      createdAt: event.occurredAt ?? '',
      overdueFor: [],
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'TaskReassigned':
      return { ...state, assigneeId: event.data.assigneeId, assignedBy: 'explicit' };
    case 'TaskUpdated':
      return { ...state, ...event.data.changes };
    case 'TaskCompleted':
      return { ...state, status: 'done', completedAt: event.occurredAt, outcome: event.data.outcome, completedOnTime: event.data.onTime };
    case 'TaskCancelled':
      return { ...state, status: 'cancelled', cancelledAt: event.occurredAt, cancellationReason: event.data.reason };
    case 'TaskBecameOverdue':
      return { ...state, overdueFor: [...state.overdueFor, event.data.dueAt], becameOverdueAt: event.occurredAt };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
};

export const taskDecider: Decider<TaskCommand, TaskStreamEvent, TaskState> = {
  decide: decideTask,
  evolve: evolveTask,
  initialState: () => ({ exists: false }),
};

import { TaskStatus } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { TaskCommand, taskDecider, TaskStreamEvent } from './task.decider';

const spec = deciderSpec(taskDecider);
const taskId = '6b1f0f38-7d0a-4c1e-9a57-000000000001';
const related = { type: 'lead' as const, id: '6b1f0f38-7d0a-4c1e-9a57-0000000000aa' };
const dueAt = '2026-04-02T09:00:00.000Z';
const createdAt = '2026-04-01T09:00:00.000Z';

const created: TaskStreamEvent = {
  type: 'TaskCreated',
  occurredAt: '2026-04-01T09:00:00.000Z',
  data: { taskId, title: 'Call back', taskType: 'call', related, dueAt, priority: 'normal', assigneeId: 'rep-1', assignedBy: 'explicit' },
};
const history: Record<TaskStatus, TaskStreamEvent[]> = {
  open: [created],
  done: [created, { type: 'TaskCompleted', occurredAt: dueAt, data: { taskId, onTime: true, assigneeId: 'rep-1', dueAt } }],
  cancelled: [created, { type: 'TaskCancelled', data: { taskId, reason: 'lead went silent' } }],
};

const rejects = (status: TaskStatus, command: TaskCommand) =>
  spec
    .given(history[status])
    .when(command)
    .thenThrows(CommandRejected, (error) => {
      expect(error.kind).toBe('conflict');
      expect(error.code).toBe('illegal-transition');
      expect(error.details).toEqual({ currentStatus: status });
    });

describe('task decider', () => {
  describe('create', () => {
    it('creates an assigned task', () => {
      spec
        .given([])
        .when({ type: 'CreateTask', taskId, title: 'Call back', taskType: 'call', related, dueAt, priority: 'normal', assigneeId: 'rep-1', createdAt })
        .then([{ type: 'TaskCreated', occurredAt: createdAt, data: { taskId, title: 'Call back', taskType: 'call', related, dueAt, priority: 'normal', assigneeId: 'rep-1', assignedBy: 'explicit' } }]);
    });

    it('records how the assignee was chosen and which rule and event generated the task', () => {
      spec
        .given([])
        .when({
          type: 'CreateTask',
          taskId,
          title: 'First contact',
          taskType: 'call',
          related,
          dueAt,
          priority: 'high',
          assigneeId: 'rep-2',
          assignedBy: 'record-owner',
          notes: 'within SLA',
          triggeredBy: 'evt-1',
          automationRule: 'lead-assigned',
          createdAt,
        })
        .then([
          {
            type: 'TaskCreated',
            occurredAt: createdAt,
            data: {
              taskId,
              title: 'First contact',
              taskType: 'call',
              related,
              dueAt,
              priority: 'high',
              assigneeId: 'rep-2',
              assignedBy: 'record-owner',
              notes: 'within SLA',
              triggeredBy: 'evt-1',
              automationRule: 'lead-assigned',
            },
          },
        ]);
    });

    it('leaves a task nobody is eligible for unassigned', () => {
      spec
        .given([])
        .when({ type: 'CreateTask', taskId, title: 'Todo', taskType: 'todo', related, dueAt, priority: 'low', createdAt })
        .then([{ type: 'TaskCreated', occurredAt: createdAt, data: { taskId, title: 'Todo', taskType: 'todo', related, dueAt, priority: 'low' } }]);
    });

    it('refuses to create the same task twice, which is how a redelivered trigger creates nothing', () => {
      spec
        .given(history.open)
        .when({ type: 'CreateTask', taskId, title: 'Again', taskType: 'call', related, dueAt, priority: 'normal', createdAt })
        .thenThrows(CommandRejected, (error) => expect(error).toMatchObject({ kind: 'conflict', code: 'task-exists' }));
    });

    it('reports commands on a missing task as not found', () => {
      spec.given([]).when({ type: 'CancelTask', reason: 'x', cancelledAt: dueAt }).thenThrows(CommandRejected, (error) => expect(error.kind).toBe('not_found'));
      spec.given([]).when({ type: 'MarkTaskOverdue', asOf: dueAt }).thenThrows(CommandRejected, (error) => expect(error.code).toBe('task-not-found'));
    });
  });

  describe('complete', () => {
    it('completes on time up to and including the due instant, for analytics per assignee', () => {
      spec
        .given(history.open)
        .when({ type: 'CompleteTask', outcome: 'spoke to the CTO', completedAt: dueAt })
        .then([{ type: 'TaskCompleted', occurredAt: dueAt, data: { taskId, outcome: 'spoke to the CTO', onTime: true, assigneeId: 'rep-1', dueAt } }]);
    });

    it('completes late after the due instant', () => {
      const late = '2026-04-02T09:00:00.001Z';
      spec.given(history.open).when({ type: 'CompleteTask', completedAt: late }).then([{ type: 'TaskCompleted', occurredAt: late, data: { taskId, onTime: false, assigneeId: 'rep-1', dueAt } }]);
    });

    it('judges lateness against the rescheduled due date', () => {
      const later = '2026-04-09T09:00:00.000Z';
      spec
        .given([...history.open, { type: 'TaskUpdated', data: { taskId, changes: { dueAt: later } } }])
        .when({ type: 'CompleteTask', completedAt: '2026-04-05T09:00:00.000Z' })
        .then([{ type: 'TaskCompleted', occurredAt: '2026-04-05T09:00:00.000Z', data: { taskId, onTime: true, assigneeId: 'rep-1', dueAt: later } }]);
    });

    it('refuses to complete a done or cancelled task', () => {
      rejects('done', { type: 'CompleteTask', completedAt: dueAt });
      rejects('cancelled', { type: 'CompleteTask', completedAt: dueAt });
    });
  });

  describe('reassign', () => {
    it('reassigns and remembers the previous assignee', () => {
      spec.given(history.open).when({ type: 'ReassignTask', assigneeId: 'rep-2' }).then([{ type: 'TaskReassigned', data: { taskId, assigneeId: 'rep-2', previousAssigneeId: 'rep-1' } }]);
    });

    it('assigns an unassigned task', () => {
      const unassigned: TaskStreamEvent = { type: 'TaskCreated', data: { taskId, title: 't', taskType: 'todo', related, dueAt, priority: 'low' } };
      spec.given([unassigned]).when({ type: 'ReassignTask', assigneeId: 'rep-2' }).then([{ type: 'TaskReassigned', data: { taskId, assigneeId: 'rep-2' } }]);
    });

    it('records nothing when the assignee does not change', () => {
      spec.given(history.open).when({ type: 'ReassignTask', assigneeId: 'rep-1' }).thenNothing();
    });

    it('refuses to reassign a closed task', () => {
      rejects('done', { type: 'ReassignTask', assigneeId: 'rep-2' });
      rejects('cancelled', { type: 'ReassignTask', assigneeId: 'rep-2' });
    });
  });

  describe('cancel', () => {
    it('cancels an open task with a reason', () => {
      spec.given(history.open).when({ type: 'CancelTask', reason: 'duplicate', cancelledAt: dueAt }).then([{ type: 'TaskCancelled', occurredAt: dueAt, data: { taskId, reason: 'duplicate' } }]);
    });

    it('refuses to cancel a closed task', () => {
      rejects('done', { type: 'CancelTask', reason: 'x', cancelledAt: dueAt });
      rejects('cancelled', { type: 'CancelTask', reason: 'x', cancelledAt: dueAt });
    });
  });

  describe('update', () => {
    it('records only the fields that change', () => {
      spec
        .given(history.open)
        .when({ type: 'UpdateTask', changes: { dueAt: '2026-04-03T09:00:00.000Z', priority: 'normal', title: 'Call back Ada' } })
        .then([{ type: 'TaskUpdated', data: { taskId, changes: { dueAt: '2026-04-03T09:00:00.000Z', title: 'Call back Ada' } } }]);
    });

    it('treats the same instant in another notation as no change', () => {
      spec.given(history.open).when({ type: 'UpdateTask', changes: { dueAt: '2026-04-02T11:00:00+02:00', priority: 'normal' } }).thenNothing();
    });

    it('refuses to change a closed task', () => {
      rejects('done', { type: 'UpdateTask', changes: { title: 'x' } });
      rejects('cancelled', { type: 'UpdateTask', changes: { priority: 'high' } });
    });
  });

  describe('overdue', () => {
    const after = '2026-04-02T09:00:01.000Z';
    const overdue: TaskStreamEvent = { type: 'TaskBecameOverdue', occurredAt: after, data: { taskId, dueAt, assigneeId: 'rep-1' } };

    it('reports an open task once it is past due', () => {
      spec.given(history.open).when({ type: 'MarkTaskOverdue', asOf: after }).then([overdue]);
    });

    it('is not overdue at the due instant itself', () => {
      spec.given(history.open).when({ type: 'MarkTaskOverdue', asOf: dueAt }).thenNothing();
    });

    it('reports it only once per due date', () => {
      spec.given([...history.open, overdue]).when({ type: 'MarkTaskOverdue', asOf: '2026-05-01T00:00:00.000Z' }).thenNothing();
    });

    it('reports it again after it was rescheduled and missed the new date, not when moved back to a reported one', () => {
      const later = '2026-04-05T09:00:00.000Z';
      const rescheduled: TaskStreamEvent = { type: 'TaskUpdated', data: { taskId, changes: { dueAt: later } } };
      spec.given([...history.open, overdue, rescheduled]).when({ type: 'MarkTaskOverdue', asOf: '2026-04-04T00:00:00.000Z' }).thenNothing();
      spec
        .given([...history.open, overdue, rescheduled])
        .when({ type: 'MarkTaskOverdue', asOf: '2026-04-06T00:00:00.000Z' })
        .then([{ type: 'TaskBecameOverdue', occurredAt: '2026-04-06T00:00:00.000Z', data: { taskId, dueAt: later, assigneeId: 'rep-1' } }]);
      spec
        .given([...history.open, overdue, rescheduled, { type: 'TaskUpdated', data: { taskId, changes: { dueAt } } }])
        .when({ type: 'MarkTaskOverdue', asOf: '2026-04-04T00:00:00.000Z' })
        .thenNothing();
    });

    it('never reports a closed task', () => {
      spec.given(history.done).when({ type: 'MarkTaskOverdue', asOf: '2026-05-01T00:00:00.000Z' }).thenNothing();
      spec.given(history.cancelled).when({ type: 'MarkTaskOverdue', asOf: '2026-05-01T00:00:00.000Z' }).thenNothing();
    });
  });

  it('folds the lifecycle into the state the views show', () => {
    const state = [
      ...history.open,
      { type: 'TaskReassigned', data: { taskId, assigneeId: 'rep-2', previousAssigneeId: 'rep-1' } } as TaskStreamEvent,
      { type: 'TaskCompleted', occurredAt: '2026-04-03T00:00:00.000Z', data: { taskId, onTime: false, outcome: 'done', assigneeId: 'rep-2', dueAt } } as TaskStreamEvent,
    ].reduce(taskDecider.evolve, taskDecider.initialState());
    expect(state).toMatchObject({ status: 'done', assigneeId: 'rep-2', completedOnTime: false, outcome: 'done', completedAt: '2026-04-03T00:00:00.000Z', createdAt: created.occurredAt });
  });
});

import { AutomationRules, formatMoney } from '@crm/contracts';
import { Activity, AutomationRulesState, isPastDue, Task, TeamMemberState } from '@crm/tasks-domain';

/** The API's representation of a task; `overdue` is as of `now`. */
export const taskView = (task: Task, revision: number, now: string) => ({
  id: task.taskId,
  title: task.title,
  type: task.taskType,
  status: task.status,
  assigneeId: task.assigneeId ?? null,
  assignedBy: task.assignedBy ?? null,
  related: task.related,
  dueAt: task.dueAt,
  priority: task.priority,
  notes: task.notes ?? null,
  overdue: task.status === 'open' && isPastDue(task.dueAt, now),
  becameOverdueAt: task.becameOverdueAt ?? null,
  createdAt: task.createdAt,
  completedAt: task.completedAt ?? null,
  completedOnTime: task.completedOnTime ?? null,
  outcome: task.outcome ?? null,
  cancelledAt: task.cancelledAt ?? null,
  cancellationReason: task.cancellationReason ?? null,
  automation: task.automationRule ? { rule: task.automationRule, triggeredBy: task.triggeredBy ?? null } : null,
  revision,
});

export type TaskView = ReturnType<typeof taskView>;

export const teamMemberView = (member: Extract<TeamMemberState, { exists: true }>, revision: number) => ({
  id: member.memberId,
  name: member.name,
  email: member.email,
  role: member.role,
  managerId: member.managerId ?? null,
  region: member.region ?? null,
  teamId: member.teamId ?? null,
  productLines: member.productLines,
  capacity: member.capacity ?? null,
  active: member.active,
  revision,
});

export const activityView = (activity: Activity) => ({
  id: activity.activityId,
  type: activity.activityType,
  related: activity.related,
  summary: activity.summary,
  direction: activity.direction ?? null,
  durationMinutes: activity.durationMinutes ?? null,
  occurredAt: activity.occurredAt,
});

export type ActivityView = ReturnType<typeof activityView>;

/** Rules as the API shows them: money as decimal strings. */
export const rulesView = (state: AutomationRulesState) => ({ version: state.version, ...rulesBody(state.rules) });

export const rulesBody = (rules: AutomationRules) => ({
  leadAssigned: rules.leadAssigned,
  stagePlaybooks: rules.stagePlaybooks,
  dealWentStale: rules.dealWentStale,
  assignment: {
    valueBands: rules.assignment.valueBands.map((band) => ({ name: band.name, minAmount: formatMoney(band.minAmount), memberIds: band.memberIds })),
  },
});

import { categoryOf, EventEnvelope, idOf } from '@crm/contracts';
import { Activity, Task } from '@crm/tasks-domain';
import { historyEntry } from '@crm/platform';
import { activityView, ActivityView, taskView, TaskView } from './http/views';

export type TimelineEntry =
  | { kind: 'record-event'; at: string; key: string; type: string; record: { type: string; id: string }; event: ReturnType<typeof historyEntry> }
  | { kind: 'activity'; at: string; key: string; type: 'ActivityLogged'; activity: ActivityView }
  | { kind: 'task'; at: string; key: string; type: 'TaskCreated' | 'TaskBecameOverdue' | 'TaskCompleted' | 'TaskCancelled'; task: TaskView };

/**
 * Merges a record's own events, its logged activities and the milestones of its tasks, newest
 * first; ties by key (a record's own events by log position), so that a cursor resumes exactly.
 */
export const buildTimeline = (sources: {
  recordEvents: EventEnvelope[];
  activities: Activity[];
  tasks: Array<{ state: Task; revision: number }>;
  now: string;
}): TimelineEntry[] => {
  const entries: TimelineEntry[] = [
    // Positions are unique in one store only: over Kafka an account's events come from two services' stores.
    ...sources.recordEvents.map(
      (event): TimelineEntry => ({
        kind: 'record-event',
        at: event.occurredAt,
        key: `e:${String(event.globalPosition).padStart(16, '0')}:${event.id}`,
        type: event.type,
        record: { type: categoryOf(event.streamId), id: idOf(event.streamId) },
        event: historyEntry(event),
      }),
    ),
    ...sources.activities.map((activity): TimelineEntry => ({ kind: 'activity', at: activity.occurredAt, key: `a:${activity.activityId}`, type: 'ActivityLogged', activity: activityView(activity) })),
  ];
  for (const { state, revision } of sources.tasks) {
    const view = taskView(state, revision, sources.now);
    const milestone = (type: Extract<TimelineEntry, { kind: 'task' }>['type'], at: string | undefined) => {
      if (at) entries.push({ kind: 'task', at, key: `t:${state.taskId}:${type}`, type, task: view });
    };
    milestone('TaskCreated', state.createdAt);
    milestone('TaskBecameOverdue', state.becameOverdueAt);
    milestone('TaskCompleted', state.completedAt);
    milestone('TaskCancelled', state.cancelledAt);
  }
  return entries.sort(newestFirst);
};

const newestFirst = (a: { at: string; key: string }, b: { at: string; key: string }) => Date.parse(b.at) - Date.parse(a.at) || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);

/** Entries strictly after the cursor (an entry's `at` and `key`) in timeline order. */
export const timelineAfter = (entries: TimelineEntry[], cursor: unknown[] | undefined): TimelineEntry[] => {
  if (!cursor) return entries;
  const [at, key] = cursor;
  if (typeof at !== 'string' || typeof key !== 'string') return [];
  return entries.filter((entry) => newestFirst(entry, { at, key }) > 0);
};

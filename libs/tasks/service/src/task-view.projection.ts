import { EventEnvelope } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { evolveTask, isOverdueFlagged, Task, TaskState, TaskStreamEvent } from '@crm/tasks-domain';
import { quoteIdent } from './tasks.schema';

type Entry = { state: TaskState; tenantId: string; revision: number; position: number; updatedAt: string };

/**
 * Folds task events into `task_view` with the domain's own `evolve`, inside the subscription's
 * transaction (the checkpoint moves with it, so each event is applied exactly once).
 */
export const projectTaskEvents = async (events: EventEnvelope[], tx: SqlExecutor, schema: string): Promise<void> => {
  const table = `${quoteIdent(schema)}.task_view`;
  const ids = [...new Set(events.map((event) => (event.data as { taskId: string }).taskId))];
  const { rows } = await tx.query<{ task_id: string; tenant_id: string; state: TaskState; revision: string; position: string; updated_at: Date }>(
    `SELECT task_id, tenant_id, state, revision, position, updated_at FROM ${table} WHERE task_id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  );
  const entries = new Map<string, Entry>(
    rows.map((row) => [row.task_id, { state: row.state, tenantId: row.tenant_id, revision: Number(row.revision), position: Number(row.position), updatedAt: row.updated_at.toISOString() }]),
  );
  for (const event of events) {
    const taskId = (event.data as { taskId: string }).taskId;
    const current = entries.get(taskId) ?? { state: { exists: false } as TaskState, tenantId: event.metadata.tenantId, revision: -1, position: 0, updatedAt: event.recordedAt };
    const state = evolveTask(current.state, { type: event.type, data: event.data, occurredAt: event.occurredAt } as TaskStreamEvent & { occurredAt: string });
    entries.set(taskId, { state, tenantId: current.tenantId, revision: event.revision, position: event.globalPosition, updatedAt: event.recordedAt });
  }
  for (const [taskId, entry] of entries) {
    if (!entry.state.exists) continue;
    const task: Task = entry.state;
    await tx.query(
      `INSERT INTO ${table} (task_id, tenant_id, status, assignee_id, related_type, related_id, due_at, priority, title, overdue_flagged,
                             created_at, updated_at, revision, position, state)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
       ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status, assignee_id = EXCLUDED.assignee_id, due_at = EXCLUDED.due_at,
         priority = EXCLUDED.priority, title = EXCLUDED.title, overdue_flagged = EXCLUDED.overdue_flagged, updated_at = EXCLUDED.updated_at,
         revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
      [
        taskId,
        entry.tenantId,
        task.status,
        task.assigneeId ?? null,
        task.related.type,
        task.related.id,
        task.dueAt,
        task.priority,
        task.title,
        isOverdueFlagged(task),
        task.createdAt,
        entry.updatedAt,
        entry.revision,
        entry.position,
        JSON.stringify(task),
      ],
    );
  }
};

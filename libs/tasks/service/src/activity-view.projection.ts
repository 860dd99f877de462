import { ActivityLogged, EventEnvelope } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { Activity, evolveActivity } from '@crm/tasks-domain';
import { quoteIdent } from './tasks.schema';

/** Activities are logged once and never change: each event is one row, in the subscription's transaction. */
export const projectActivityEvents = async (events: EventEnvelope[], tx: SqlExecutor, schema: string): Promise<void> => {
  const table = `${quoteIdent(schema)}.activity_view`;
  for (const event of events) {
    if (event.type !== 'ActivityLogged') continue;
    const activity = evolveActivity({ exists: false }, { type: 'ActivityLogged', data: event.data as ActivityLogged['data'], occurredAt: event.occurredAt }) as Activity;
    await tx.query(
      `INSERT INTO ${table} (activity_id, tenant_id, activity_type, related_type, related_id, occurred_at, recorded_at, position, state)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (activity_id) DO NOTHING`,
      [activity.activityId, event.metadata.tenantId, activity.activityType, activity.related.type, activity.related.id, activity.occurredAt, event.recordedAt, event.globalPosition, JSON.stringify(activity)],
    );
  }
};

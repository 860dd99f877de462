import { EventEnvelope, RelatedRecord } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { accountLinksOf, Activity, customerRecordOf, Task } from '@crm/tasks-domain';
import { Pool } from 'pg';
import { quoteIdent } from './tasks.schema';

/**
 * Keeps `customer_links` (which account a lead, contact, opportunity or merged account belongs to)
 * and `record_events` (those records' events) from the leads and opportunities topics, in the
 * subscription's transaction. An event already recorded is skipped, so a redelivery changes nothing.
 */
export const projectCustomerEvents = async (events: EventEnvelope[], tx: SqlExecutor, schema: string): Promise<void> => {
  const s = quoteIdent(schema);
  for (const event of events) {
    const record = customerRecordOf(event.streamId);
    if (!record) continue;
    const tenantId = event.metadata.tenantId;
    const { rowCount } = await tx.query(
      `INSERT INTO ${s}.record_events (event_id, tenant_id, record_type, record_id, occurred_at, event) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (event_id) DO NOTHING`,
      [event.id, tenantId, record.type, record.id, event.occurredAt, JSON.stringify(event)],
    );
    if (!rowCount) continue;
    for (const link of accountLinksOf(event)) {
      await tx.query(
        `INSERT INTO ${s}.customer_links (tenant_id, record_type, record_id, account_id, position) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (tenant_id, record_type, record_id) DO UPDATE SET account_id = EXCLUDED.account_id, position = EXCLUDED.position`,
        [tenantId, link.record.type, link.record.id, link.accountId, event.globalPosition],
      );
    }
  }
};

/** Records an account timeline or summary reads at most per source. */
const sourceLimit = 5000;

/** Queries over what the tasks context knows of an account: its records, their events, activities and tasks. */
export class CustomerQueries {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /**
   * The account and everything that belongs to it: accounts merged into it (transitively), and the
   * leads, contacts and opportunities of any of those.
   */
  async recordsOf(tenantId: string, accountId: string): Promise<RelatedRecord[]> {
    const { rows } = await this.pool.query<{ record_type: RelatedRecord['type']; record_id: string }>(
      `WITH RECURSIVE accounts(id) AS (
         SELECT $2::uuid
         UNION
         SELECT l.record_id FROM ${this.s}.customer_links l JOIN accounts a ON l.account_id = a.id WHERE l.tenant_id = $1 AND l.record_type = 'account'
       )
       SELECT 'account' AS record_type, id AS record_id FROM accounts
       UNION
       SELECT l.record_type, l.record_id FROM ${this.s}.customer_links l WHERE l.tenant_id = $1 AND l.account_id IN (SELECT id FROM accounts)`,
      [tenantId, accountId],
    );
    return rows.map((row) => ({ type: row.record_type, id: row.record_id }));
  }

  /** The records' events, newest first (at most `sourceLimit`). */
  async eventsOf(tenantId: string, records: readonly RelatedRecord[]): Promise<EventEnvelope[]> {
    const { rows } = await this.pool.query<{ event: EventEnvelope }>(
      `SELECT event FROM ${this.s}.record_events WHERE tenant_id = $1 AND (record_type, record_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
        ORDER BY occurred_at DESC LIMIT $4`,
      [tenantId, ...columns(records), sourceLimit],
    );
    return rows.map((row) => row.event);
  }

  /** Each record's events in stream order, grouped by record id. */
  async streamsOf(tenantId: string, records: readonly RelatedRecord[]): Promise<Map<string, EventEnvelope[]>> {
    const { rows } = await this.pool.query<{ record_id: string; event: EventEnvelope }>(
      `SELECT record_id, event FROM ${this.s}.record_events WHERE tenant_id = $1 AND (record_type, record_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
        ORDER BY record_id, (event->>'revision')::bigint`,
      [tenantId, ...columns(records)],
    );
    const streams = new Map<string, EventEnvelope[]>();
    for (const row of rows) {
      const events = streams.get(row.record_id);
      if (events) events.push(row.event);
      else streams.set(row.record_id, [row.event]);
    }
    return streams;
  }

  async activitiesOf(tenantId: string, records: readonly RelatedRecord[], limit = sourceLimit): Promise<Activity[]> {
    const { rows } = await this.pool.query<{ state: Activity }>(
      `SELECT state FROM ${this.s}.activity_view WHERE tenant_id = $1 AND (related_type, related_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
        ORDER BY occurred_at DESC, activity_id DESC LIMIT $4`,
      [tenantId, ...columns(records), limit],
    );
    return rows.map((row) => row.state);
  }

  async tasksOf(tenantId: string, records: readonly RelatedRecord[]): Promise<Array<{ state: Task; revision: number }>> {
    const { rows } = await this.pool.query<{ state: Task; revision: string }>(
      `SELECT state, revision FROM ${this.s}.task_view WHERE tenant_id = $1 AND (related_type, related_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
        ORDER BY created_at DESC, task_id LIMIT $4`,
      [tenantId, ...columns(records), sourceLimit],
    );
    return rows.map((row) => ({ state: row.state, revision: Number(row.revision) }));
  }

  /** The open task due soonest (ties by id), if any. */
  async nextOpenTask(tenantId: string, records: readonly RelatedRecord[]): Promise<{ state: Task; revision: number } | undefined> {
    const { rows } = await this.pool.query<{ state: Task; revision: string }>(
      `SELECT state, revision FROM ${this.s}.task_view WHERE tenant_id = $1 AND status = 'open' AND (related_type, related_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
        ORDER BY due_at, task_id LIMIT 1`,
      [tenantId, ...columns(records)],
    );
    return rows[0] ? { state: rows[0].state, revision: Number(rows[0].revision) } : undefined;
  }
}

const columns = (records: readonly RelatedRecord[]): [string[], string[]] => [records.map((record) => record.type), records.map((record) => record.id)];

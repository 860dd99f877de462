import { AccessScope, applyScope, scopeSql, sqlConditions } from '@crm/platform';
import { ActivityType, RelatedRecord, TaskStatus, TeamRole } from '@crm/contracts';
import { Activity, Task } from '@crm/tasks-domain';
import { Pool } from 'pg';
import { quoteIdent } from './tasks.schema';

export type TaskListOptions = {
  assigneeId?: string;
  status?: TaskStatus;
  /** Open and past due as of `now` (true), or not (false). */
  overdue?: boolean;
  related?: RelatedRecord;
  dueBefore?: string;
  limit?: number;
  cursor?: unknown[];
  /** Only the tasks the caller may see, by assignee (absent: the whole tenant). */
  scope?: AccessScope;
};

/** `scope`: only activities on records the caller may see, by the owner this context learned (absent: the whole tenant). */
export type ActivityListOptions = { related?: RelatedRecord; type?: ActivityType; limit?: number; cursor?: unknown[]; scope?: AccessScope };

export type MemberListOptions = { role?: TeamRole; active?: boolean; region?: string; limit?: number; cursor?: unknown[] };

export type MemberRow = {
  memberId: string;
  name: string;
  email: string;
  role: TeamRole;
  managerId: string | null;
  region: string | null;
  teamId: string | null;
  productLines: string[];
  capacity: number | null;
  active: boolean;
  openTasks: number;
  revision: number;
};

/** Records a timeline shows at most per source: a record's history beyond that is paged through the lists. */
const timelineSourceLimit = 1000;

type Page<T> = { items: T[]; next?: unknown[] };

/** Lists over the read models, keyset-paginated. */
export class TaskQueries {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** Tasks by due date (soonest first), then id. */
  async tasks(tenantId: string, options: TaskListOptions, now: string): Promise<Page<{ state: Task; revision: number }>> {
    const limit = options.limit ?? 25;
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    applyScope({ where, params }, options.scope, 'assignee_id');
    if (options.assigneeId) add((p) => `assignee_id = ${p}`, options.assigneeId);
    if (options.status) add((p) => `status = ${p}`, options.status);
    if (options.overdue !== undefined) add((p) => `${options.overdue ? '' : 'NOT '}(status = 'open' AND due_at < ${p}::timestamptz)`, now);
    if (options.related) {
      add((p) => `related_type = ${p}`, options.related.type);
      add((p) => `related_id = ${p}::uuid`, options.related.id);
    }
    if (options.dueBefore) add((p) => `due_at < ${p}::timestamptz`, options.dueBefore);
    if (options.cursor) {
      const [dueAt, id] = options.cursor;
      params.push(dueAt, id);
      where.push(`(due_at, task_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: Task; revision: string; due_at: Date; task_id: string }>(
      `SELECT state, revision, due_at, task_id FROM ${this.s}.task_view WHERE ${where.join(' AND ')} ORDER BY due_at, task_id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ state: row.state, revision: Number(row.revision) })),
      next: rows.length > limit && last ? [last.due_at.toISOString(), last.task_id] : undefined,
    };
  }

  /** The communication history: newest first. */
  async activities(tenantId: string, options: ActivityListOptions): Promise<Page<{ state: Activity }>> {
    const limit = options.limit ?? 25;
    const { where, params } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    const visible =
      options.scope &&
      scopeSql(
        options.scope,
        'r.owner_id',
        (value) => {
          params.push(value);
          return `$${params.length}`;
        },
        "CASE WHEN r.record_type = 'lead' THEN r.facts->>'region' END",
      );
    if (visible) {
      where.push(
        `EXISTS (SELECT 1 FROM ${this.s}.related_records r WHERE r.tenant_id = activity_view.tenant_id AND r.record_type = activity_view.related_type
           AND r.record_id = activity_view.related_id AND ${visible})`,
      );
    }
    if (options.related) {
      params.push(options.related.type, options.related.id);
      where.push(`related_type = $${params.length - 1}`, `related_id = $${params.length}::uuid`);
    }
    if (options.type) {
      params.push(options.type);
      where.push(`activity_type = $${params.length}`);
    }
    if (options.cursor) {
      const [occurredAt, id] = options.cursor;
      params.push(occurredAt, id);
      where.push(`(occurred_at, activity_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: Activity; occurred_at: Date; activity_id: string }>(
      `SELECT state, occurred_at, activity_id FROM ${this.s}.activity_view WHERE ${where.join(' AND ')}
        ORDER BY occurred_at DESC, activity_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map((row) => ({ state: row.state })), next: rows.length > limit && last ? [last.occurred_at.toISOString(), last.activity_id] : undefined };
  }

  /** The team directory by member id, with each member's open tasks (their current load). */
  async members(tenantId: string, options: MemberListOptions): Promise<Page<MemberRow>> {
    const limit = options.limit ?? 50;
    const { where, params, add } = sqlConditions((p) => `m.tenant_id = ${p}`, tenantId);
    if (options.role) add((p) => `m.role = ${p}`, options.role);
    if (options.active !== undefined) add((p) => `m.active = ${p}`, options.active);
    if (options.region) add((p) => `lower(m.region) = lower(${p})`, options.region);
    if (options.cursor) add((p) => `m.member_id COLLATE "C" > ${p}`, String(options.cursor[0]));
    params.push(limit + 1);
    const { rows } = await this.pool.query<{
      member_id: string;
      name: string;
      email: string;
      role: TeamRole;
      manager_id: string | null;
      region: string | null;
      team_id: string | null;
      product_lines: string[];
      capacity: number | null;
      active: boolean;
      revision: string;
      open_tasks: string;
    }>(
      `SELECT m.*, (SELECT count(*) FROM ${this.s}.task_view t WHERE t.tenant_id = m.tenant_id AND t.assignee_id = m.member_id AND t.status = 'open') AS open_tasks
         FROM ${this.s}.team_members m WHERE ${where.join(' AND ')} ORDER BY m.member_id COLLATE "C" LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        memberId: row.member_id,
        name: row.name,
        email: row.email,
        role: row.role,
        managerId: row.manager_id,
        region: row.region,
        teamId: row.team_id,
        productLines: row.product_lines,
        capacity: row.capacity,
        active: row.active,
        openTasks: Number(row.open_tasks),
        revision: Number(row.revision),
      })),
      next: rows.length > limit && last ? [last.member_id] : undefined,
    };
  }

  async activitiesOf(tenantId: string, related: RelatedRecord): Promise<Activity[]> {
    return (await this.activities(tenantId, { related, limit: timelineSourceLimit })).items.map((item) => item.state);
  }

  async tasksOf(tenantId: string, related: RelatedRecord): Promise<Array<{ state: Task; revision: number }>> {
    const { rows } = await this.pool.query<{ state: Task; revision: string }>(
      `SELECT state, revision FROM ${this.s}.task_view WHERE tenant_id = $1 AND related_type = $2 AND related_id = $3::uuid ORDER BY created_at DESC, task_id LIMIT $4`,
      [tenantId, related.type, related.id, timelineSourceLimit],
    );
    return rows.map((row) => ({ state: row.state, revision: Number(row.revision) }));
  }
}

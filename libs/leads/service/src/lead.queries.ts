import { Inject, Injectable } from '@nestjs/common';
import { AccessScope, applyScope, PG_POOL, sqlConditions } from '@crm/platform';
import { LeadState, OpenLead } from '@crm/leads-domain';
import { Pool } from 'pg';
import { leadView } from './http/lead.view';

export type LeadListOptions = {
  status?: string;
  ownerId?: string;
  source?: string;
  minScore?: number;
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: unknown[];
  /** Only the leads the caller may see (absent: the whole tenant). */
  scope?: AccessScope;
};

const sortColumns: Record<string, { column: string; type: string }> = {
  createdAt: { column: 'captured_at', type: 'timestamptz' },
  score: { column: 'coalesce(score, -1)', type: 'integer' },
  // Erased leads have no name: they sort as the empty name, and the keyset comparison never meets a NULL.
  name: { column: "coalesce(lower(name), '')", type: 'text' },
};

/** Lists over the read model, keyset-paginated on (sort value, lead id). */
@Injectable()
export class LeadQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(tenantId: string, options: LeadListOptions) {
    const sort = options.sort ?? '-createdAt';
    const descending = sort.startsWith('-');
    const { column, type } = sortColumns[sort.replace(/^-/, '')];
    const limit = options.limit ?? 25;
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    where.push('merged_into IS NULL');
    applyScope({ where, params }, options.scope, 'owner_id', 'region');
    if (options.status) add((p) => `status = ${p}`, options.status);
    if (options.ownerId) add((p) => `owner_id = ${p}`, options.ownerId);
    if (options.source) add((p) => `source = ${p}`, options.source);
    if (options.minScore !== undefined) add((p) => `score >= ${p}`, options.minScore);
    if (options.q) {
      add((p) => `(name ILIKE ${p} OR email ILIKE ${p} OR company ILIKE ${p} OR phone ILIKE ${p})`, `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (options.cursor) {
      const [value, id] = options.cursor;
      params.push(value, id);
      where.push(`(${column}, lead_id) ${descending ? '<' : '>'} ($${params.length - 1}::${type}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: LeadState; revision: string; sort_value: unknown; lead_id: string }>(
      `SELECT state, revision, ${column} AS sort_value, lead_id FROM leads.lead_view WHERE ${where.join(' AND ')}
       ORDER BY ${column} ${descending ? 'DESC' : 'ASC'}, lead_id ${descending ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => leadView(row.state as OpenLead, Number(row.revision))),
      next: rows.length > limit && last ? [last.sort_value instanceof Date ? last.sort_value.toISOString() : last.sort_value, last.lead_id] : undefined,
    };
  }
}

import { AccessScope, applyScope, sqlConditions } from '@crm/platform';
import { OpportunityStatus } from '@crm/contracts';
import { Opportunity } from '@crm/opportunities-domain';
import { Pool } from 'pg';
import { OpportunityTables } from './opportunities.schema';

export const opportunitySorts = ['createdAt', '-createdAt', 'expectedCloseDate', '-expectedCloseDate', 'amount', '-amount'] as const;
export type OpportunitySort = (typeof opportunitySorts)[number];

export type OpportunityListOptions = {
  status?: OpportunityStatus;
  stage?: string;
  ownerId?: string;
  productType?: string;
  /** Inclusive bounds on the expected close date (YYYY-MM-DD). */
  closingFrom?: string;
  closingTo?: string;
  /** In major units of the deal's own currency, exact (a decimal string). */
  minAmount?: string;
  currency?: string;
  stale?: boolean;
  sort?: OpportunitySort;
  limit?: number;
  cursor?: unknown[];
  /** Only the deals the caller may see (absent: the whole tenant). */
  scope?: AccessScope;
};

export type ListedOpportunity = { state: Opportunity; revision: number; lastActivityAt: string | null };

// Sort values are selected as text so that a cursor round-trips exactly (pg would turn a date into
// a local-time Date).
const sortColumns: Record<string, { column: string; type: string }> = {
  createdAt: { column: 'opened_at', type: 'timestamptz' },
  expectedCloseDate: { column: 'expected_close_date', type: 'date' },
  amount: { column: 'amount', type: 'numeric' },
};

/** A deal is stale while the idle period flagged stale is still the current one. */
const staleClause = 'status = \'open\' AND stale_idle_since IS NOT NULL AND stale_idle_since = idle_since';

/** Lists over the read model, keyset-paginated on (sort value, opportunity id). */
export class OpportunityQueries {
  constructor(
    private readonly pool: Pool,
    private readonly tables: OpportunityTables,
  ) {}

  async list(tenantId: string, options: OpportunityListOptions): Promise<{ items: ListedOpportunity[]; next?: unknown[] }> {
    const sort = options.sort ?? '-createdAt';
    const descending = sort.startsWith('-');
    const { column, type } = sortColumns[sort.replace(/^-/, '')];
    const limit = options.limit ?? 25;
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    applyScope({ where, params }, options.scope, 'owner_id');
    if (options.status) add((p) => `status = ${p}`, options.status);
    if (options.stage) add((p) => `lower(stage) = lower(${p})`, options.stage.trim());
    if (options.ownerId) add((p) => `owner_id = ${p}`, options.ownerId);
    if (options.productType) add((p) => `product_type = ${p}`, options.productType);
    if (options.closingFrom) add((p) => `expected_close_date >= ${p}::date`, options.closingFrom);
    if (options.closingTo) add((p) => `expected_close_date <= ${p}::date`, options.closingTo);
    if (options.minAmount !== undefined) add((p) => `amount >= ${p}::numeric`, options.minAmount);
    if (options.currency) add((p) => `currency = ${p}`, options.currency);
    if (options.stale !== undefined) where.push(options.stale ? `(${staleClause})` : `NOT (${staleClause})`);
    if (options.cursor) {
      const [value, id] = options.cursor;
      params.push(value, id);
      where.push(`(${column}, opportunity_id) ${descending ? '<' : '>'} ($${params.length - 1}::${type}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: Opportunity; revision: string; last_activity_at: Date | null; sort_value: string; opportunity_id: string }>(
      `SELECT state, revision, last_activity_at, ${column}::text AS sort_value, opportunity_id FROM ${this.tables.view} WHERE ${where.join(' AND ')}
       ORDER BY ${column} ${descending ? 'DESC' : 'ASC'}, opportunity_id ${descending ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ state: row.state, revision: Number(row.revision), lastActivityAt: row.last_activity_at?.toISOString() ?? null })),
      next: rows.length > limit && last ? [last.sort_value, last.opportunity_id] : undefined,
    };
  }

  /** Open deals per stage (case-insensitive), for the check that a removed stage is empty. */
  async openDealsByStage(tenantId: string): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ key: string; open: string }>(
      `SELECT lower(stage) AS key, count(*) AS open FROM ${this.tables.view} WHERE tenant_id = $1 AND status = 'open' GROUP BY 1`,
      [tenantId],
    );
    return Object.fromEntries(rows.map((row) => [row.key, Number(row.open)]));
  }

  /** Tenants with open deals: the stale-deal scheduler's work list. */
  async tenantsWithOpenDeals(): Promise<string[]> {
    const { rows } = await this.pool.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM ${this.tables.view} WHERE status = 'open'`);
    return rows.map((row) => row.tenant_id);
  }

  /** Open deals in a stage whose current idle period began before `idleBefore` and is not flagged yet. */
  async staleCandidates(tenantId: string, stage: string, idleBefore: string, limit = 500): Promise<Array<{ opportunityId: string; lastActivityAt?: string }>> {
    const { rows } = await this.pool.query<{ opportunity_id: string; last_activity_at: Date | null }>(
      `SELECT opportunity_id, last_activity_at FROM ${this.tables.view}
        WHERE tenant_id = $1 AND status = 'open' AND lower(stage) = lower($2) AND idle_since < $3
          AND stale_idle_since IS DISTINCT FROM idle_since
        ORDER BY idle_since LIMIT $4`,
      [tenantId, stage, idleBefore, limit],
    );
    return rows.map((row) => ({ opportunityId: row.opportunity_id, lastActivityAt: row.last_activity_at?.toISOString() }));
  }

  async lastActivityAt(tenantId: string, opportunityId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ last_activity_at: Date }>(
      `SELECT last_activity_at FROM ${this.tables.activity} WHERE tenant_id = $1 AND opportunity_id = $2`,
      [tenantId, opportunityId],
    );
    return rows[0]?.last_activity_at.toISOString();
  }
}

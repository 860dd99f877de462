import { ActivityMetric, activityMetrics, activityTypeOfMetric, currencyDigits, defaultPipelineStages, formatMoney } from '@crm/contracts';
import {
  activityPlan,
  attainmentPercent,
  FocusCandidate,
  parsePeriod,
  rankFocus,
  customerAcquisitionCost,
  Figure,
  meanOf,
  missing,
  pipelineVelocity,
  ratio,
} from '@crm/analytics-domain';
import { DataSource, EntityManager } from 'typeorm';
import { LoggedEvent, MarketingCostRecord } from './entities';

export const groupings = ['owner', 'team', 'manager', 'region', 'productType', 'source'] as const;
export type Grouping = (typeof groupings)[number];

/** A half-open interval of business time (`occurredAt`). */
export type Range = { from: Date; to: Date };

/** A deal's group key per grouping, over `d` (deals), `l` (its lead) and `m` (its owner's directory entry). */
export const dealDimension: Record<Grouping, string> = {
  owner: 'd.owner_id',
  team: 'm.team_id',
  manager: 'm.manager_id',
  region: 'COALESCE(l.region, m.region)',
  productType: 'd.product_type',
  // Deals opened without a lead came in directly.
  source: "COALESCE(l.source, 'direct')",
};
const leadDimension: Record<Grouping, string> = {
  owner: 'l.owner_id',
  team: 'm.team_id',
  manager: 'm.manager_id',
  region: 'COALESCE(l.region, m.region)',
  productType: 'l.product_interest',
  source: 'l.source',
};

type Key = string | null;
const keyOf = (key: unknown): Key => (key === null || key === undefined ? null : String(key));
const mapKey = (key: Key) => key ?? '\u0000';

/** Money as the API shows it: a decimal string in the currency's digits (derived figures rounded). */
export const money = (amountMinor: number, currency: string) => formatMoney({ amountMinor: Math.round(amountMinor), currency });
const moneyFigure = (value: Figure, currency: string) => (value.value === null ? null : money(value.value, currency).amount);

export type CurrencyKpis = {
  currency: string;
  wonDeals: number;
  wonRevenue: string;
  averageDealSize: string | null;
  openDeals: number;
  openPipelineValue: string;
  weightedPipelineValue: string;
  pipelineVelocityPerDay: string | null;
  marketingCost: string | null;
  cac: string | null;
  reasons: Record<string, string>;
};

export type KpiGroup = {
  key: Key;
  leads: number;
  qualified: number;
  converted: number;
  leadConversionRate: number | null;
  opportunities: number;
  won: number;
  lost: number;
  winRate: number | null;
  medianSalesCycleDays: number | null;
  averageSalesCycleDays: number | null;
  openDeals: number;
  /** Money is never summed across currencies: one entry per currency. */
  byCurrency: CurrencyKpis[];
  reasons: Record<string, string>;
};

type CurrencyAccumulator = { wonDeals: number; wonMinor: number; openDeals: number; openMinor: number; weightedMinor: number; costMinor: number | null };
type GroupAccumulator = {
  key: Key;
  leads: number;
  qualified: number;
  converted: number;
  opportunities: number;
  won: number;
  lost: number;
  median: number | null;
  average: number | null;
  openDeals: number;
  currencies: Map<string, CurrencyAccumulator>;
};

/** A lead's score trend compares its latest score with the one it had this many days ago. */
export const focusScoreTrendDays = 30;

/**
 * CTEs ending in `open_deals`: the deals open just before `at` (an SQL expression: a parameter, or
 * an outer column inside a LATERAL subquery), each with its latest stage, probability, amount,
 * currency, owner and expected close date, folded from the tenant's (`$1`) deal history.
 *
 * When every deal event of the tenant occurred before `at` (now, or a date to come), the fold is
 * the deals table's open rows: each deal's row holds the last value each of its events set (see
 * evolveDealFact), and both tables are written in one projector transaction, so one statement sees
 * them agree. The fold's branch is then gated off and never runs.
 */
export const openDealsAsOfSql = (schema: string, at: string): string => {
  const latest = (columns: string, where: string) => `SELECT DISTINCT ON (opportunity_id) opportunity_id, ${columns} FROM h WHERE ${where} ORDER BY opportunity_id, revision DESC`;
  return `history_ends AS (SELECT max(occurred_at) AS at FROM ${schema}.deal_events WHERE tenant_id = $1),
      h AS (SELECT * FROM ${schema}.deal_events WHERE tenant_id = $1 AND occurred_at < ${at}),
      st AS (${latest('status', 'status IS NOT NULL')}),
      sg AS (${latest('stage, probability', 'stage IS NOT NULL')}),
      am AS (${latest('amount_minor, currency', 'amount_minor IS NOT NULL')}),
      ow AS (${latest('owner_id', 'owner_id IS NOT NULL')}),
      cd AS (${latest('expected_close_date', 'expected_close_date IS NOT NULL')}),
      open_deals AS (
        SELECT d.opportunity_id, d.stage, d.probability, d.amount_minor, d.currency, d.owner_id, d.expected_close_date
          FROM ${schema}.deals d
         WHERE d.tenant_id = $1 AND d.status = 'open' AND (SELECT at FROM history_ends) < ${at}
        UNION ALL
        SELECT st.opportunity_id, sg.stage, sg.probability, am.amount_minor, am.currency, ow.owner_id, cd.expected_close_date
          FROM st JOIN sg USING (opportunity_id) JOIN am USING (opportunity_id) JOIN ow USING (opportunity_id) JOIN cd USING (opportunity_id)
         WHERE st.status = 'open' AND (SELECT at FROM history_ends) IS NOT NULL AND NOT ((SELECT at FROM history_ends) < ${at}))`;
};

/** The analytics queries, over the read models in one schema. */
export class AnalyticsQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get manager(): EntityManager {
    return this.dataSource.manager;
  }

  private async rows<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.manager.query(sql, params)) as Row[];
  }

  /** Joins a deal (`d`) to its lead (`l`) and its owner's directory entry (`m`). */
  private dealJoins(ownerColumn = 'd.owner_id') {
    const s = this.schema;
    return `LEFT JOIN ${s}.leads l ON l.tenant_id = d.tenant_id AND l.lead_id = d.lead_id
            LEFT JOIN ${s}.members m ON m.tenant_id = d.tenant_id AND m.member_id = ${ownerColumn}`;
  }

  /**
   * The open deals as they stood at `at`, folded from the deal history: per attribute, the value
   * set by the latest event (by revision) among those that had occurred by then.
   */
  private asOfSql(atParam: string) {
    return openDealsAsOfSql(this.schema, atParam);
  }

  async kpis(tenantId: string, range: Range, groupBy?: Grouping): Promise<{ from: string; to: string; groupBy: Grouping | null; groups: KpiGroup[] }> {
    const s = this.schema;
    const dealKey = groupBy ? dealDimension[groupBy] : 'NULL::text';
    const leadKey = groupBy ? leadDimension[groupBy] : 'NULL::text';
    const params = [tenantId, range.from.toISOString(), range.to.toISOString()];
    const groups = new Map<string, GroupAccumulator>();
    const group = (raw: unknown): GroupAccumulator => {
      const key = keyOf(raw);
      let entry = groups.get(mapKey(key));
      if (!entry) {
        entry = { key, leads: 0, qualified: 0, converted: 0, opportunities: 0, won: 0, lost: 0, median: null, average: null, openDeals: 0, currencies: new Map() };
        groups.set(mapKey(key), entry);
      }
      return entry;
    };
    const currency = (entry: GroupAccumulator, code: string): CurrencyAccumulator => {
      let value = entry.currencies.get(code);
      if (!value) {
        value = { wonDeals: 0, wonMinor: 0, openDeals: 0, openMinor: 0, weightedMinor: 0, costMinor: null };
        entry.currencies.set(code, value);
      }
      return value;
    };

    // Leads captured in the period, and how far each got (by now).
    for (const row of await this.rows<{ key: unknown; leads: number; qualified: number; converted: number }>(
      `SELECT ${leadKey} AS key, count(*)::int AS leads,
              count(*) FILTER (WHERE l.qualified_at IS NOT NULL OR l.converted_at IS NOT NULL)::int AS qualified,
              count(*) FILTER (WHERE l.converted_at IS NOT NULL)::int AS converted
         FROM ${s}.leads l LEFT JOIN ${s}.members m ON m.tenant_id = l.tenant_id AND m.member_id = l.owner_id
        WHERE l.tenant_id = $1 AND l.captured_at >= $2 AND l.captured_at < $3 AND l.merged_into IS NULL
        GROUP BY 1`,
      params,
    )) {
      Object.assign(group(row.key), { leads: row.leads, qualified: row.qualified, converted: row.converted });
    }

    for (const row of await this.rows<{ key: unknown; opened: number }>(
      `SELECT ${dealKey} AS key, count(*)::int AS opened FROM ${s}.deals d ${this.dealJoins()}
        WHERE d.tenant_id = $1 AND d.opened_at >= $2 AND d.opened_at < $3 GROUP BY 1`,
      params,
    )) {
      group(row.key).opportunities = row.opened;
    }

    // Deals whose outcome (as it stands: a reopened deal is open again) came in the period.
    for (const row of await this.rows<{ key: unknown; won: number; lost: number; median: number | null; average: number | null }>(
      `SELECT key, count(*) FILTER (WHERE status = 'won')::int AS won, count(*) FILTER (WHERE status = 'lost')::int AS lost,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) FILTER (WHERE status = 'won') AS median,
              avg(cycle) FILTER (WHERE status = 'won')::float8 AS average
         FROM (SELECT ${dealKey} AS key, d.status, extract(epoch FROM d.closed_at - d.opened_at)::float8 / 86400 AS cycle
                 FROM ${s}.deals d ${this.dealJoins()}
                WHERE d.tenant_id = $1 AND d.status IN ('won', 'lost') AND d.closed_at >= $2 AND d.closed_at < $3) closed
        GROUP BY 1`,
      params,
    )) {
      Object.assign(group(row.key), { won: row.won, lost: row.lost, median: row.median, average: row.average });
    }
    for (const row of await this.rows<{ key: unknown; currency: string; deals: number; amount: string }>(
      `SELECT ${dealKey} AS key, d.currency, count(*)::int AS deals, sum(d.amount_minor)::text AS amount FROM ${s}.deals d ${this.dealJoins()}
        WHERE d.tenant_id = $1 AND d.status = 'won' AND d.closed_at >= $2 AND d.closed_at < $3 GROUP BY 1, 2`,
      params,
    )) {
      const entry = currency(group(row.key), row.currency);
      entry.wonDeals = row.deals;
      entry.wonMinor = Number(row.amount);
    }

    // The open pipeline as it stood at the period's end (or now, for a period not over yet).
    const at = new Date(Math.min(range.to.getTime(), this.now().getTime())).toISOString();
    for (const row of await this.rows<{ key: unknown; currency: string; deals: number; amount: string; weighted: string }>(
      `WITH ${this.asOfSql('$2')}
       SELECT ${dealKey} AS key, o.currency, count(*)::int AS deals, sum(o.amount_minor)::text AS amount, sum(o.amount_minor * o.probability / 100)::text AS weighted
         FROM open_deals o JOIN ${s}.deals d ON d.tenant_id = $1 AND d.opportunity_id = o.opportunity_id ${this.dealJoins('o.owner_id')}
        GROUP BY 1, 2`,
      [tenantId, at],
    )) {
      const entry = group(row.key);
      entry.openDeals += row.deals;
      Object.assign(currency(entry, row.currency), { openDeals: row.deals, openMinor: Number(row.amount), weightedMinor: Number(row.weighted) });
    }

    // Marketing cost of the periods overlapping this one, pro-rated by days of overlap. Costs are
    // recorded per source, so only the whole and per-source views can carry them.
    if (!groupBy || groupBy === 'source') {
      for (const row of await this.rows<{ key: unknown; currency: string; cost: number }>(
        `SELECT ${groupBy ? 'c.source' : 'NULL::text'} AS key, c.currency,
                sum(c.amount_minor * extract(epoch FROM LEAST(c.period_end, $3::timestamptz) - GREATEST(c.period_start, $2::timestamptz))
                    / extract(epoch FROM c.period_end - c.period_start))::float8 AS cost
           FROM ${s}.marketing_costs c
          WHERE c.tenant_id = $1 AND c.period_end > $2 AND c.period_start < $3 GROUP BY 1, 2`,
        params,
      )) {
        currency(group(row.key), row.currency).costMinor = row.cost;
      }
    }

    const result = [...groups.values()].map((entry) => this.kpiGroup(entry, groupBy));
    result.sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
    if (!groupBy && result.length === 0) result.push(this.kpiGroup(group(null), groupBy));
    return { from: range.from.toISOString(), to: range.to.toISOString(), groupBy: groupBy ?? null, groups: result };
  }

  private kpiGroup(entry: GroupAccumulator, groupBy: Grouping | undefined): KpiGroup {
    const reasons: Record<string, string> = {};
    const note = (name: string, value: Figure) => {
      if (value.value === null && value.reason) reasons[name] = value.reason;
      return value.value;
    };
    const winRate = ratio(entry.won, entry.won + entry.lost, 'no deal was won or lost in the period');
    const cycleReason = 'no deal was won in the period';
    const average: Figure = entry.average === null ? missing(cycleReason) : { value: entry.average };
    const byCurrency = [...entry.currencies.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, value]): CurrencyKpis => {
        const currencyReasons: Record<string, string> = {};
        const noteCurrency = (name: string, figure: Figure) => {
          if (figure.value === null && figure.reason) currencyReasons[name] = figure.reason;
          return figure;
        };
        const averageDealSize = noteCurrency('averageDealSize', meanOf(value.wonDeals ? [value.wonMinor / value.wonDeals] : [], `no deal in ${code} was won in the period`));
        const velocity = noteCurrency('pipelineVelocityPerDay', pipelineVelocity(value.openDeals, winRate, averageDealSize, average));
        const costKnown = !groupBy || groupBy === 'source';
        const cac = noteCurrency(
          'cac',
          costKnown ? customerAcquisitionCost(value.costMinor, entry.won) : missing('marketing costs are recorded per source: group by source, or not at all'),
        );
        return {
          currency: code,
          wonDeals: value.wonDeals,
          wonRevenue: money(value.wonMinor, code).amount,
          averageDealSize: moneyFigure(averageDealSize, code),
          openDeals: value.openDeals,
          openPipelineValue: money(value.openMinor, code).amount,
          weightedPipelineValue: money(value.weightedMinor, code).amount,
          pipelineVelocityPerDay: moneyFigure(velocity, code),
          marketingCost: value.costMinor === null ? null : money(value.costMinor, code).amount,
          cac: moneyFigure(cac, code),
          reasons: currencyReasons,
        };
      });
    return {
      key: entry.key,
      leads: entry.leads,
      qualified: entry.qualified,
      converted: entry.converted,
      leadConversionRate: note('leadConversionRate', ratio(entry.converted, entry.leads, 'no lead was captured in the period')),
      opportunities: entry.opportunities,
      won: entry.won,
      lost: entry.lost,
      winRate: note('winRate', winRate),
      medianSalesCycleDays: note('medianSalesCycleDays', entry.median === null ? missing(cycleReason) : { value: entry.median }),
      averageSalesCycleDays: note('averageSalesCycleDays', average),
      openDeals: entry.openDeals,
      byCurrency,
      reasons,
    };
  }

  /** The tenant's open stages in order: its own definition, or the default pipeline. */
  private async stageNames(tenantId: string): Promise<string[]> {
    const rows = await this.rows<{ name: string }>(`SELECT name FROM ${this.schema}.pipeline_stages WHERE tenant_id = $1 ORDER BY position`, [tenantId]);
    return rows.length ? rows.map((row) => row.name) : defaultPipelineStages.map((stage) => stage.name);
  }

  /** Lead statuses and pipeline stages reached (or passed) by the leads captured and deals opened in the period. */
  async funnel(tenantId: string, range: Range) {
    const s = this.schema;
    const params = [tenantId, range.from.toISOString(), range.to.toISOString()];
    const [leads] = await this.rows<{ captured: number; working: number; qualified: number; converted: number; disqualified: number }>(
      `SELECT count(*)::int AS captured,
              count(*) FILTER (WHERE working_at IS NOT NULL OR qualified_at IS NOT NULL OR converted_at IS NOT NULL)::int AS working,
              count(*) FILTER (WHERE qualified_at IS NOT NULL OR converted_at IS NOT NULL)::int AS qualified,
              count(*) FILTER (WHERE converted_at IS NOT NULL)::int AS converted,
              count(*) FILTER (WHERE status = 'disqualified')::int AS disqualified
         FROM ${s}.leads WHERE tenant_id = $1 AND captured_at >= $2 AND captured_at < $3 AND merged_into IS NULL`,
      params,
    );
    const names = await this.stageNames(tenantId);
    const stages = names.map((name, index) => ({ name, position: index + 1 }));
    const reached = await this.rows<{ furthest: number | null; won: boolean; deals: number }>(
      `WITH cohort AS (SELECT opportunity_id, status FROM ${s}.deals WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3),
            furthest AS (SELECT e.opportunity_id, max(p.position) AS furthest FROM ${s}.deal_events e JOIN cohort USING (opportunity_id)
                           JOIN unnest($4::text[]) WITH ORDINALITY AS p(name, position) ON lower(p.name) = lower(e.stage)
                          WHERE e.tenant_id = $1 GROUP BY 1)
       SELECT f.furthest::int AS furthest, c.status = 'won' AS won, count(*)::int AS deals FROM cohort c LEFT JOIN furthest f USING (opportunity_id) GROUP BY 1, 2`,
      [...params, names],
    );
    const dealsOpened = reached.reduce((sum, row) => sum + row.deals, 0);
    const stageCounts = stages.map((stage) => ({
      step: stage.name,
      count: reached.filter((row) => row.won || (row.furthest !== null && row.furthest >= stage.position)).reduce((sum, row) => sum + row.deals, 0),
    }));
    const won = reached.filter((row) => row.won).reduce((sum, row) => sum + row.deals, 0);
    const withRates = (steps: Array<{ step: string; count: number }>) =>
      steps.map((step, index) => ({
        ...step,
        conversionFromPrevious: index === 0 ? null : ratio(step.count, steps[index - 1].count, 'nothing reached the previous step').value,
        conversionFromFirst: index === 0 ? null : ratio(step.count, steps[0].count, 'nothing reached the first step').value,
      }));
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      leads: {
        steps: withRates([
          { step: 'captured', count: leads.captured },
          { step: 'working', count: leads.working },
          { step: 'qualified', count: leads.qualified },
          { step: 'converted', count: leads.converted },
        ]),
        disqualified: leads.disqualified,
      },
      pipeline: { steps: withRates([{ step: 'opened', count: dealsOpened }, ...stageCounts, { step: 'won', count: won }]) },
    };
  }

  /** Median days deals spent in each stage, over the stays that ended in the period. */
  async stageDurations(tenantId: string, range: Range) {
    const s = this.schema;
    const rows = await this.rows<{ stage: string; stays: number; median: number; average: number }>(
      `WITH moves AS (
         SELECT opportunity_id, revision, occurred_at, stage FROM ${s}.deal_events
          WHERE tenant_id = $1 AND kind IN ('opened', 'advanced', 'slipped', 'won', 'lost', 'reopened')),
       stays AS (
         SELECT stage, occurred_at AS entered_at, lead(occurred_at) OVER (PARTITION BY opportunity_id ORDER BY revision) AS left_at FROM moves)
       SELECT stage, count(*)::int AS stays,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at) / 86400)::float8 AS median,
              avg(extract(epoch FROM left_at - entered_at) / 86400)::float8 AS average
         FROM stays WHERE stage IS NOT NULL AND left_at >= $2 AND left_at < $3 GROUP BY stage`,
      [tenantId, range.from.toISOString(), range.to.toISOString()],
    );
    const order = await this.stageNames(tenantId);
    const rank = (stage: string) => {
      const index = order.findIndex((name) => name.toLowerCase() === stage.toLowerCase());
      return index < 0 ? order.length : index;
    };
    rows.sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage));
    return { from: range.from.toISOString(), to: range.to.toISOString(), stages: rows.map((row) => ({ stage: row.stage, completedStays: row.stays, medianDays: row.median, averageDays: row.average })) };
  }

  async productReport(tenantId: string, range: Range) {
    const { groups } = await this.kpis(tenantId, range, 'productType');
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      // Leads name a product interest too; the report is about deals.
      products: groups.filter((group) => group.opportunities + group.won + group.lost + group.openDeals > 0).map(({ reasons: { leadConversionRate: _leads, ...reasons }, ...group }) => ({
        productType: group.key,
        wonCount: group.won,
        winRate: group.winRate,
        meanSalesCycleDays: group.averageSalesCycleDays,
        won: group.byCurrency.filter((entry) => entry.wonDeals > 0).map((entry) => ({ currency: entry.currency, amount: entry.wonRevenue })),
        openPipeline: group.byCurrency.filter((entry) => entry.openDeals > 0).map((entry) => ({ currency: entry.currency, amount: entry.openPipelineValue, deals: entry.openDeals })),
        reasons,
      })),
    };
  }

  /**
   * The owners' leaderboard: won revenue in `currency` (by default the one with the most won
   * deals), then deals won, then owner id.
   */
  async ownerReport(tenantId: string, range: Range, rankCurrency?: string) {
    const s = this.schema;
    const { groups } = await this.kpis(tenantId, range, 'owner');
    const params = [tenantId, range.from.toISOString(), range.to.toISOString()];
    const activities = new Map(
      (await this.rows<{ owner: string; activities: number }>(
        `SELECT actor_id AS owner, count(*)::int AS activities FROM ${s}.activities WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1`,
        params,
      )).map((row) => [row.owner, row.activities]),
    );
    const tasks = new Map(
      (await this.rows<{ owner: string; done: number; on_time: number }>(
        `SELECT assignee_id AS owner, count(*)::int AS done, count(*) FILTER (WHERE on_time)::int AS on_time FROM ${s}.tasks
          WHERE tenant_id = $1 AND status = 'done' AND completed_at >= $2 AND completed_at < $3 AND assignee_id IS NOT NULL GROUP BY 1`,
        params,
      )).map((row) => [row.owner, row]),
    );
    const owners = new Set<string>([...groups.map((group) => group.key).filter((key): key is string => key !== null), ...activities.keys(), ...tasks.keys()]);
    const wonDeals = new Map<string, number>();
    for (const group of groups) for (const entry of group.byCurrency) wonDeals.set(entry.currency, (wonDeals.get(entry.currency) ?? 0) + entry.wonDeals);
    const currency = rankCurrency ?? [...wonDeals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const rows = [...owners].map((ownerId) => {
      const group = groups.find((entry) => entry.key === ownerId);
      const done = tasks.get(ownerId);
      const ranked = group?.byCurrency.find((entry) => entry.currency === currency);
      return {
        ownerId,
        wonRevenue: (group?.byCurrency ?? []).filter((entry) => entry.wonDeals > 0).map((entry) => ({ currency: entry.currency, amount: entry.wonRevenue })),
        wonCount: group?.won ?? 0,
        winRate: group?.winRate ?? null,
        activitiesLogged: activities.get(ownerId) ?? 0,
        tasksDone: done?.done ?? 0,
        tasksDoneOnTimePercent: done && done.done > 0 ? (done.on_time / done.done) * 100 : null,
        rankedRevenueMinor: ranked ? Math.round(Number(ranked.wonRevenue) * 10 ** decimals(ranked.wonRevenue)) : 0,
      };
    });
    rows.sort((a, b) => b.rankedRevenueMinor - a.rankedRevenueMinor || b.wonCount - a.wonCount || a.ownerId.localeCompare(b.ownerId));
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      rankedBy: currency ? { wonRevenueIn: currency } : null,
      owners: rows.map(({ rankedRevenueMinor: _rank, ...row }, index) => ({ rank: index + 1, ...row })),
    };
  }

  /** Targets of a period with what was achieved, attainment, gap and a pipeline-weighted forecast to the period's end. */
  async targets(tenantId: string, period: string) {
    const s = this.schema;
    const targets = await this.rows<{ scope: string; scope_id: string; currency: string; amount_minor: string; period_start: Date; period_end: Date }>(
      `SELECT scope, scope_id, currency, amount_minor::text, period_start, period_end FROM ${s}.targets WHERE tenant_id = $1 AND period = $2 ORDER BY scope, scope_id`,
      [tenantId, period],
    );
    const now = this.now();
    const inScope = `CASE $2 WHEN 'owner' THEN d.owner_id = $3 WHEN 'team' THEN m.team_id = $3 ELSE (m.manager_id = $3 OR d.owner_id = $3) END`;
    const results = [];
    for (const target of targets) {
      const start = new Date(target.period_start);
      const end = new Date(target.period_end);
      const [achieved] = await this.rows<{ amount: string }>(
        `SELECT COALESCE(sum(d.amount_minor), 0)::text AS amount FROM ${s}.deals d LEFT JOIN ${s}.members m ON m.tenant_id = d.tenant_id AND m.member_id = d.owner_id
          WHERE d.tenant_id = $1 AND ${inScope} AND d.status = 'won' AND d.currency = $4 AND d.closed_at >= $5 AND d.closed_at < $6`,
        [tenantId, target.scope, target.scope_id, target.currency, start.toISOString(), end.toISOString()],
      );
      const from = new Date(Math.max(start.getTime(), now.getTime()));
      const [weighted] = await this.rows<{ amount: string; deals: number }>(
        `SELECT COALESCE(sum(d.amount_minor * d.probability / 100), 0)::text AS amount, count(*)::int AS deals
           FROM ${s}.deals d LEFT JOIN ${s}.members m ON m.tenant_id = d.tenant_id AND m.member_id = d.owner_id
          WHERE d.tenant_id = $1 AND ${inScope} AND d.status = 'open' AND d.currency = $4
            AND d.expected_close_date >= $5::timestamptz::date AND d.expected_close_date < $6::timestamptz::date`,
        [tenantId, target.scope, target.scope_id, target.currency, from.toISOString(), end.toISOString()],
      );
      const targetMinor = Number(target.amount_minor);
      const achievedMinor = Number(achieved.amount);
      const open = now < end;
      const forecastMinor = achievedMinor + (open ? Number(weighted.amount) : 0);
      const attainment = attainmentPercent(achievedMinor, targetMinor);
      results.push({
        scope: target.scope,
        scopeId: target.scope_id,
        period,
        metric: 'revenue' as const,
        currency: target.currency,
        target: money(targetMinor, target.currency).amount,
        achieved: money(achievedMinor, target.currency).amount,
        attainmentPercent: attainment.value,
        gap: money(targetMinor - achievedMinor, target.currency).amount,
        forecast: money(forecastMinor, target.currency).amount,
        forecastAttainmentPercent: attainmentPercent(forecastMinor, targetMinor).value,
        forecastMethod: open ? 'achieved + probability-weighted open deals expected to close by the period end' : 'the period is over: achieved',
        ...(attainment.reason ? { reasons: { attainmentPercent: attainment.reason } } : {}),
      });
    }
    // Activity targets: activities of the metric's type logged in the period by the scope's members.
    const activityTargets = await this.rows<{ scope: string; scope_id: string; metric: ActivityMetric; count: number; achieved: number }>(
      `SELECT t.scope, t.scope_id, t.metric, t.count,
              (SELECT count(*)::int FROM ${s}.activities a LEFT JOIN ${s}.members m ON m.tenant_id = a.tenant_id AND m.member_id = a.actor_id
                WHERE a.tenant_id = t.tenant_id AND a.occurred_at >= t.period_start AND a.occurred_at < t.period_end
                  AND a.activity_type = CASE t.metric ${activityMetrics.map((metric) => `WHEN '${metric}' THEN '${activityTypeOfMetric[metric]}'`).join(' ')} END
                  AND CASE t.scope WHEN 'owner' THEN a.actor_id = t.scope_id WHEN 'team' THEN m.team_id = t.scope_id ELSE (m.manager_id = t.scope_id OR a.actor_id = t.scope_id) END) AS achieved
         FROM ${s}.activity_targets t WHERE t.tenant_id = $1 AND t.period = $2 ORDER BY t.scope, t.scope_id, t.metric`,
      [tenantId, period],
    );
    const activityResults = activityTargets.map((target) => {
      const attainment = attainmentPercent(target.achieved, target.count);
      return {
        scope: target.scope,
        scopeId: target.scope_id,
        period,
        metric: target.metric,
        target: target.count,
        achieved: target.achieved,
        attainmentPercent: attainment.value,
        gap: target.count - target.achieved,
        ...(attainment.reason ? { reasons: { attainmentPercent: attainment.reason } } : {}),
      };
    });
    return { period, targets: [...results, ...activityResults] };
  }

  /** Activities of each metric's type an owner logged in [start, end). */
  private async activityCounts(tenantId: string, ownerId: string, start: Date, end: Date): Promise<Record<ActivityMetric, number>> {
    const rows = await this.rows<{ activity_type: string; count: number }>(
      `SELECT activity_type, count(*)::int AS count FROM ${this.schema}.activities WHERE tenant_id = $1 AND actor_id = $2 AND occurred_at >= $3 AND occurred_at < $4 GROUP BY 1`,
      [tenantId, ownerId, start.toISOString(), end.toISOString()],
    );
    const byType = new Map(rows.map((row) => [row.activity_type, row.count]));
    return Object.fromEntries(activityMetrics.map((metric) => [metric, byType.get(activityTypeOfMetric[metric]) ?? 0])) as Record<ActivityMetric, number>;
  }

  /**
   * The owner's activity plan for a period: per revenue target (one per currency) and the ratios of
   * its currency, the activities planned (target ÷ per × ratio, rounded up), those logged so far,
   * attainment and what remains; and the owner's explicit activity targets of the period.
   */
  async activityPlan(tenantId: string, ownerId: string, period: string) {
    const s = this.schema;
    const interval = parsePeriod(period);
    if (!interval) throw new Error(`not a period: ${period}`);
    const achieved = await this.activityCounts(tenantId, ownerId, interval.start, interval.end);
    const revenueTargets = await this.rows<{ currency: string; amount_minor: string }>(
      `SELECT currency, amount_minor::text FROM ${s}.targets WHERE tenant_id = $1 AND scope = 'owner' AND scope_id = $2 AND period = $3 ORDER BY currency`,
      [tenantId, ownerId, period],
    );
    const ratios = new Map(
      (await this.rows<{ currency: string; per_minor: string; ratios: Partial<Record<ActivityMetric, number>> }>(`SELECT currency, per_minor::text, ratios FROM ${s}.activity_ratios WHERE tenant_id = $1`, [tenantId])).map(
        (row) => [row.currency, row],
      ),
    );
    const reasons: Record<string, string> = {};
    if (revenueTargets.length === 0) reasons.plans = `${ownerId} has no revenue target for ${period}`;
    const plans = revenueTargets.flatMap((target) => {
      const ratio = ratios.get(target.currency);
      if (!ratio) {
        reasons[`plans.${target.currency}`] = `no activity ratios are set for ${target.currency}: PUT /analytics/activity-ratios`;
        return [];
      }
      const targetMinor = Number(target.amount_minor);
      return [
        {
          currency: target.currency,
          revenueTarget: money(targetMinor, target.currency).amount,
          per: money(Number(ratio.per_minor), target.currency).amount,
          activities: activityPlan(targetMinor, Number(ratio.per_minor), ratio.ratios).map((planned) => {
            const metric = planned.metric as ActivityMetric;
            return {
              metric,
              activityType: activityTypeOfMetric[metric],
              ratio: planned.ratio,
              planned: planned.planned,
              achieved: achieved[metric],
              attainmentPercent: attainmentPercent(achieved[metric], planned.planned).value,
              remaining: Math.max(0, planned.planned - achieved[metric]),
            };
          }),
        },
      ];
    });
    const explicit = await this.rows<{ metric: ActivityMetric; count: number }>(
      `SELECT metric, count FROM ${s}.activity_targets WHERE tenant_id = $1 AND scope = 'owner' AND scope_id = $2 AND period = $3 ORDER BY metric`,
      [tenantId, ownerId, period],
    );
    return {
      ownerId,
      period,
      from: interval.start.toISOString(),
      to: interval.end.toISOString(),
      achieved,
      plans,
      targets: explicit.map((target) => ({
        metric: target.metric,
        target: target.count,
        achieved: achieved[target.metric],
        attainmentPercent: attainmentPercent(achieved[target.metric], target.count).value,
      })),
      ...(Object.keys(reasons).length ? { reasons } : {}),
    };
  }

  /**
   * The owner's open deals and leads ranked by the expected revenue a next action would move (see
   * the service README). `winByStage` (lower-case stage name → P(win)) is the learned stage model;
   * a stage it lacks falls back to the deal's own probability.
   */
  async focus(tenantId: string, ownerId: string, winByStage: Map<string, number>, limit = 50) {
    const s = this.schema;
    const now = this.now();
    const major = (amountMinor: number, currency: string) => amountMinor / 10 ** currencyDigits(currency);
    const deals = await this.rows<{ opportunity_id: string; name: string; stage: string; probability: string; currency: string; amount_minor: string; expected_close_date: string; last_touch: Date }>(
      `SELECT d.opportunity_id, d.name, d.stage, d.probability::text, d.currency, d.amount_minor::text, d.expected_close_date::text,
              GREATEST((SELECT max(e.occurred_at) FROM ${s}.deal_events e WHERE e.tenant_id = d.tenant_id AND e.opportunity_id = d.opportunity_id AND e.kind IN ('opened', 'advanced', 'slipped', 'reopened')),
                       (SELECT max(a.occurred_at) FROM ${s}.activities a WHERE a.tenant_id = d.tenant_id AND a.related_id = d.opportunity_id::text AND a.related_type = 'opportunity'),
                       d.opened_at) AS last_touch
         FROM ${s}.deals d WHERE d.tenant_id = $1 AND d.owner_id = $2 AND d.status = 'open'`,
      [tenantId, ownerId],
    );
    const leads = await this.rows<{ lead_id: string; source: string; status: string; estimated_value_minor: string | null; estimated_currency: string | null; last_touch: Date }>(
      `SELECT l.lead_id, l.source, l.status, l.estimated_value_minor::text, l.estimated_currency,
              GREATEST(l.captured_at, l.working_at, l.qualified_at,
                       (SELECT max(a.occurred_at) FROM ${s}.activities a WHERE a.tenant_id = l.tenant_id AND a.related_id = l.lead_id::text AND a.related_type = 'lead')) AS last_touch
         FROM ${s}.leads l WHERE l.tenant_id = $1 AND l.owner_id = $2 AND l.status IN ('new', 'working', 'qualified') AND l.merged_into IS NULL`,
      [tenantId, ownerId],
    );
    const scores = await this.rows<{ lead_id: string; occurred_at: Date; score: number; probability: string | null }>(
      `SELECT lead_id, occurred_at, score, probability::text FROM ${s}.lead_scores WHERE tenant_id = $1 AND lead_id = ANY($2::uuid[]) ORDER BY lead_id, revision`,
      [tenantId, leads.map((lead) => lead.lead_id)],
    );
    // A lead without an estimated value is worth what the tenant's average won deal is (in the currency most deals were won in).
    const [average] = await this.rows<{ currency: string; average: number }>(
      `SELECT currency, avg(amount_minor)::float8 AS average FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won' GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1`,
      [tenantId],
    );
    const trendFrom = now.getTime() - focusScoreTrendDays * 86_400_000;
    const candidates: FocusCandidate[] = [
      ...deals.map((deal): FocusCandidate => {
        const learned = winByStage.get(deal.stage.toLowerCase());
        return {
          kind: 'deal',
          id: deal.opportunity_id,
          name: deal.name,
          stage: deal.stage,
          currency: deal.currency,
          value: major(Number(deal.amount_minor), deal.currency),
          valueSource: 'amount',
          winProbability: learned ?? Number(deal.probability) / 100,
          probabilitySource: learned !== undefined ? 'stage-model' : 'deal',
          expectedCloseDate: deal.expected_close_date,
          lastTouchAt: new Date(deal.last_touch).toISOString(),
        };
      }),
      ...leads.map((lead): FocusCandidate => {
        const history = scores.filter((score) => score.lead_id === lead.lead_id);
        const latest = history[history.length - 1];
        // The trend: points since the last score older than the window, or since the first score.
        const baseline = [...history].reverse().find((score) => new Date(score.occurred_at).getTime() <= trendFrom) ?? history[0];
        const estimated = lead.estimated_value_minor !== null && lead.estimated_currency !== null;
        return {
          kind: 'lead',
          id: lead.lead_id,
          name: `${lead.source} lead`,
          stage: lead.status,
          currency: estimated ? lead.estimated_currency : (average?.currency ?? null),
          value: estimated ? major(Number(lead.estimated_value_minor), lead.estimated_currency as string) : average ? major(average.average, average.currency) : 0,
          valueSource: estimated ? 'estimated' : average ? 'average-won-deal' : 'none',
          winProbability: latest ? (latest.probability !== null ? Number(latest.probability) : latest.score / 100) : 0,
          probabilitySource: latest ? (latest.probability !== null ? 'lead-model' : 'lead-score') : 'none',
          lastTouchAt: new Date(lead.last_touch).toISOString(),
          scoreTrend: history.length >= 2 && latest !== baseline ? latest.score - baseline.score : null,
        };
      }),
    ];
    const ranked = rankFocus(candidates, { now });
    const fixed = (value: number | null, digits = 4) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);
    return {
      ownerId,
      asOf: now.toISOString(),
      total: ranked.length,
      items: ranked.slice(0, limit).map((item, index) => ({
        rank: index + 1,
        kind: item.kind,
        id: item.id,
        name: item.name,
        stage: item.stage,
        currency: item.currency,
        value: item.currency ? money(item.value * 10 ** currencyDigits(item.currency), item.currency).amount : null,
        valueSource: item.valueSource,
        winProbability: fixed(item.winProbability),
        probabilitySource: item.probabilitySource,
        ...(item.kind === 'deal' ? { expectedCloseDate: item.expectedCloseDate } : {}),
        lastTouchAt: item.lastTouchAt,
        priority: fixed(item.priority, 2),
        components: {
          expectedValue: fixed(item.components.expectedValue, 2),
          daysToClose: fixed(item.components.daysToClose, 1),
          closeProximity: fixed(item.components.closeProximity),
          daysSinceTouch: fixed(item.components.daysSinceTouch, 1),
          staleness: fixed(item.components.staleness),
          scoreTrend: item.components.scoreTrend,
          trend: fixed(item.components.trend),
        },
        reason: item.reason,
        nextAction: item.nextAction,
      })),
    };
  }

  /** The open pipeline at the end of a day, folded from the deal history. */
  async pipelineAsOf(tenantId: string, at: Date, page: { limit: number; after?: string }) {
    const s = this.schema;
    // One fold of the history, materialised once, answers the totals, the stages and the page.
    type Totals = { currency: string; deals: number; amount: string; weighted: string };
    type ByStage = { stage: string; currency: string; deals: number; amount: string };
    type Deal = { opportunity_id: string; name: string; stage: string; probability: string; amount_minor: string; currency: string; owner_id: string; expected_close_date: string };
    const [result] = await this.rows<{ totals: Totals[] | null; by_stage: ByStage[] | null; deals: Deal[] | null }>(
      `WITH ${this.asOfSql('$2').replace('open_deals AS (', 'open_deals AS MATERIALIZED (')}
       SELECT
         (SELECT json_agg(t ORDER BY t.currency) FROM (SELECT currency, count(*)::int AS deals, sum(amount_minor)::text AS amount, sum(amount_minor * probability / 100)::text AS weighted
                                                         FROM open_deals GROUP BY currency) t) AS totals,
         (SELECT json_agg(b ORDER BY b.stage, b.currency) FROM (SELECT stage, currency, count(*)::int AS deals, sum(amount_minor)::text AS amount FROM open_deals GROUP BY 1, 2) b) AS by_stage,
         (SELECT json_agg(p ORDER BY p.opportunity_id) FROM (
            SELECT o.opportunity_id, d.name, o.stage, o.probability::text AS probability, o.amount_minor::text AS amount_minor, o.currency, o.owner_id, o.expected_close_date::text AS expected_close_date
              FROM open_deals o JOIN ${s}.deals d ON d.tenant_id = $1 AND d.opportunity_id = o.opportunity_id
             WHERE ($3::uuid IS NULL OR o.opportunity_id > $3::uuid) ORDER BY o.opportunity_id LIMIT $4) p) AS deals`,
      [tenantId, at.toISOString(), page.after ?? null, page.limit + 1],
    );
    const totals = result.totals ?? [];
    const byStage = result.by_stage ?? [];
    const deals = result.deals ?? [];
    const more = deals.length > page.limit;
    const items = deals.slice(0, page.limit);
    return {
      asOf: at.toISOString(),
      totals: totals.map((row) => ({ currency: row.currency, deals: row.deals, amount: money(Number(row.amount), row.currency).amount, weighted: money(Number(row.weighted), row.currency).amount })),
      byStage: byStage.map((row) => ({ stage: row.stage, currency: row.currency, deals: row.deals, amount: money(Number(row.amount), row.currency).amount })),
      deals: items.map((row) => ({
        opportunityId: row.opportunity_id,
        name: row.name,
        stage: row.stage,
        probability: Number(row.probability),
        ownerId: row.owner_id,
        amount: money(Number(row.amount_minor), row.currency).amount,
        currency: row.currency,
        expectedCloseDate: row.expected_close_date,
      })),
      nextAfter: more ? items[items.length - 1].opportunity_id : null,
    };
  }

  /** Deals added, advanced, slipped (moved back), won, lost and reopened in the period, with amounts. */
  async pipelineChanges(tenantId: string, range: Range, listLimit = 200) {
    const s = this.schema;
    const kinds = { added: 'opened', advanced: 'advanced', slipped: 'slipped', won: 'won', lost: 'lost', reopened: 'reopened' } as const;
    const params = [tenantId, range.from.toISOString(), range.to.toISOString()];
    const totals = await this.rows<{ kind: string; currency: string; changes: number; amount: string }>(
      `SELECT kind, currency_after AS currency, count(*)::int AS changes, sum(amount_after_minor)::text AS amount FROM ${s}.deal_events
        WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND kind <> 'updated' GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    const listed = await this.rows<{ kind: string; opportunity_id: string; occurred_at: Date; from_stage: string | null; stage: string | null; amount_after_minor: string; currency_after: string; n: number }>(
      `SELECT * FROM (SELECT kind, opportunity_id, occurred_at, from_stage, stage, amount_after_minor::text, currency_after,
                             row_number() OVER (PARTITION BY kind ORDER BY occurred_at, opportunity_id, revision)::int AS n
                        FROM ${s}.deal_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND kind <> 'updated') ranked
        WHERE n <= $4 ORDER BY kind, n`,
      [...params, listLimit],
    );
    const result: Record<string, unknown> = { from: range.from.toISOString(), to: range.to.toISOString() };
    for (const [name, kind] of Object.entries(kinds)) {
      const rows = totals.filter((row) => row.kind === kind);
      const count = rows.reduce((sum, row) => sum + row.changes, 0);
      const deals = listed.filter((row) => row.kind === kind);
      result[name] = {
        count,
        amounts: rows.map((row) => ({ currency: row.currency, amount: money(Number(row.amount), row.currency).amount })),
        deals: deals.map((row) => ({
          opportunityId: row.opportunity_id,
          occurredAt: new Date(row.occurred_at).toISOString(),
          ...(row.from_stage !== null ? { fromStage: row.from_stage } : {}),
          ...(row.stage !== null ? { stage: row.stage } : {}),
          amount: money(Number(row.amount_after_minor), row.currency_after).amount,
          currency: row.currency_after,
        })),
        truncated: count > deals.length,
      };
    }
    return result;
  }

  async costRecords(tenantId: string, period?: string): Promise<MarketingCostRecord[]> {
    return this.manager.getRepository(MarketingCostRecord).find({ where: { tenantId, ...(period ? { period } : {}) }, order: { period: 'ASC', source: 'ASC' } });
  }

  /**
   * Every context's events in business-time order (occurredAt, then the order they were stored),
   * keyset-paginated on (occurredAt, position, eventId).
   */
  async audit(tenantId: string, filter: { actor?: string; type?: string; stream?: string; range: Range; after?: [string, number, string]; limit: number }) {
    const query = this.manager
      .getRepository(LoggedEvent)
      .createQueryBuilder('e')
      .where('e.tenantId = :tenantId', { tenantId })
      .andWhere('e.occurredAt >= :from AND e.occurredAt < :to', { from: filter.range.from, to: filter.range.to });
    if (filter.actor) query.andWhere('e.actorId = :actor', { actor: filter.actor });
    if (filter.type) query.andWhere('e.type = :type', { type: filter.type });
    if (filter.stream) query.andWhere('e.streamId = :stream', { stream: filter.stream });
    if (filter.after) {
      query.andWhere('(e.occurredAt, e.originPosition, e.eventId) > (:afterAt::timestamptz, :afterPosition::bigint, :afterId::uuid)', {
        afterAt: filter.after[0],
        afterPosition: filter.after[1],
        afterId: filter.after[2],
      });
    }
    const rows = await query.orderBy('e.occurredAt', 'ASC').addOrderBy('e.originPosition', 'ASC').addOrderBy('e.eventId', 'ASC').take(filter.limit + 1).getMany();
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        streamId: event.streamId,
        revision: event.revision,
        occurredAt: event.occurredAt.toISOString(),
        recordedAt: event.recordedAt.toISOString(),
        actor: { id: event.actorId, role: event.actorRole },
        correlationId: event.correlationId,
        causationId: event.causationId,
        ...(event.traceparent ? { traceparent: event.traceparent } : {}),
        data: event.data,
      })),
      next: rows.length > filter.limit && last ? ([last.occurredAt.toISOString(), last.originPosition, last.eventId] as [string, number, string]) : null,
    };
  }
}

const decimals = (amount: string) => (amount.includes('.') ? amount.split('.')[1].length : 0);

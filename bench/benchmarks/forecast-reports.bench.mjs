// Forecast and report latency over a large pipeline: BENCH_FORECAST_OPPORTUNITIES opportunities
// (default 100,000) in one tenant's analytics read models, then p50/p99 over BENCH_FORECAST_RUNS
// calls (default 20, after one warm-up) of what GET /analytics/kpis, /analytics/reports/owners,
// /analytics/reports/products, /analytics/pipeline/as-of, /analytics/forecast/pipeline and
// /analytics/forecast/revenue run, called in process on the same AnalyticsQueries and
// AnalyticsForecasts the controller calls (HTTP would add the same few ms to both sides).
//
// Baseline, measured in the same run on the same tables: raw SQL aggregates that compute the same
// numbers directly (counts and sums over `deals`, `leads`, `activities`, `tasks`,
// `marketing_costs`; a date_trunc series for the revenue history), without the service's joins, the
// pipeline fold over `deal_events`, or the models. The forecasts' modelled figures (learned win and
// close probabilities, Monte Carlo, time-series fits) have no SQL equivalent: their baseline is the
// SQL of their inputs (open deals by category and owner, revenue won in the period, the monthly
// series), so the ratio is what the models cost on top. Before timing, the benchmark checks that
// every number both sides report agrees, and fails if one does not.
//
// Seeding: the crm-history generator's events (leads, deals, tasks, activities, team, targets,
// costs; about 44 events per opportunity, so 4.4 million for the default) are enveloped as the
// store would (per-stream revision, global position, recordedAt = the simulation's clock) and
// applied with the analytics projector (`projectEvents`, record: false as a rebuild from the event
// log applies them: nothing here reads `event_log`), in batches of 5,000 by BENCH_FORECAST_WRITERS
// transactions (default 3) that each own a share of the streams. The event store is not involved:
// appending is measured by the analytics-projection and event-store-append benchmarks. On the
// 2-core target machine 2,000 opportunities (87,000 events) seeded in 10 s while it was quiet; the
// default's 4.3 million events took 45 min (half of it generating) while other jobs loaded it.
//
// PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test, else an embedded server;
// everything lives in a fresh schema dropped at the end, also on failure or Ctrl-C.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { dist, log, newPool, onInterrupt, percentile, postgres, scratchSchema, seconds, skipped, writerOf } from '../support/infra.mjs';

const require = createRequire(import.meta.url);
require('reflect-metadata'); // the TypeORM entities' decorators need it before they load
const { generateCrmHistory } = dist('libs/testing/src/crm-history.js');
const { endOfDay, parseDay, parsePeriod } = dist('libs/analytics/domain/src/index.js');
const { AnalyticsForecasts, AnalyticsQueries, analyticsSchemaSql, createAnalyticsDataSource, managerOn, projectEvents, projectedTables } = dist('libs/analytics/service/src/index.js');

export const name = 'forecast and reports';

const opportunities = Number(process.env.BENCH_FORECAST_OPPORTUNITIES ?? 100_000);
const runs = Number(process.env.BENCH_FORECAST_RUNS ?? 20);
const writers = Number(process.env.BENCH_FORECAST_WRITERS ?? 3);
const batchSize = 5_000;
const chunkSize = writers * batchSize * 2;
const tenantId = 'tenant-bench';

const rate = (count, ms) => Math.round(count / Math.max(ms / 1000, 1e-6));

// --- seeding -------------------------------------------------------------------------------------

/**
 * Generates the history until the requested number of opportunities has been opened and projects
 * it chunk by chunk; within a chunk each writer applies the events of the streams it owns, in
 * generated order, so every stream's events are applied in order. Generating is timed apart.
 */
const seed = async (pool, dataSource, schema) => {
  const history = generateCrmHistory({ seed: 2026, tenantId, events: Math.ceil(opportunities * 50), currencies: ['EUR', 'USD'] });
  const revisions = new Map();
  let position = 0;
  let clock = 0;
  let opened = 0;
  let generateMs = 0;
  let projectMs = 0;
  let nextProgress = Math.max(1, Math.round(opportunities / 10));
  for (let exhausted = false; !exhausted; ) {
    const generating = performance.now();
    const shares = Array.from({ length: writers }, () => []);
    let size = 0;
    while (size < chunkSize) {
      const next = opened < opportunities ? history.next() : { done: true };
      if (next.done) {
        exhausted = true;
        break;
      }
      const { streamId, event } = next.value;
      const revision = revisions.get(streamId) ?? 0;
      revisions.set(streamId, revision + 1);
      clock = Math.max(clock, Date.parse(event.occurredAt));
      shares[writerOf(streamId, writers)].push({ ...event, streamId, revision, globalPosition: ++position, recordedAt: new Date(clock).toISOString() });
      if (event.type === 'OpportunityOpened') opened++;
      size++;
    }
    generateMs += performance.now() - generating;
    if (size === 0) break;
    const projecting = performance.now();
    await Promise.all(
      shares.map(async (events) => {
        for (let i = 0; i < events.length; i += batchSize) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await projectEvents(managerOn(dataSource, client), schema, events.slice(i, i + batchSize), { record: false });
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        }
      }),
    );
    projectMs += performance.now() - projecting;
    if (opened >= nextProgress || exhausted) {
      log(`seed: ${opened} opportunities, ${position} events projected, ${rate(position, projectMs)} events/s (${seconds(projectMs)} projecting, ${seconds(generateMs)} generating)`);
      nextProgress += Math.max(1, Math.round(opportunities / 10));
    }
  }
  return { events: position, opened, generateMs, projectMs, clock: new Date(clock + 1_000) };
};

// --- agreement -----------------------------------------------------------------------------------

const minorOf = (amount) => Math.round(Number(amount) * 10 ** (String(amount).split('.')[1]?.length ?? 0));
const sameNumber = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/** Collects disagreements between the service's answer and the raw SQL's; throws if there are any. */
const agreement = (label) => {
  const problems = [];
  const check = (what, service, raw) => {
    const equal = typeof service === 'number' || typeof raw === 'number' ? sameNumber(service ?? null, raw ?? null) : JSON.stringify(service) === JSON.stringify(raw);
    if (!equal) problems.push(`${what}: service ${JSON.stringify(service)}, raw SQL ${JSON.stringify(raw)}`);
  };
  const done = () => {
    if (problems.length) throw new Error(`${label}: the service and the raw SQL disagree on ${problems.length} figures:\n  ${problems.slice(0, 20).join('\n  ')}`);
  };
  return { check, done };
};

// --- cases ---------------------------------------------------------------------------------------

const cases = ({ pool, schema, queries, forecasts, clock }) => {
  const s = schema;
  const sql = async (text, params) => (await pool.query(text, params)).rows;
  const today = clock.toISOString().slice(0, 10);
  // What GET /analytics/kpis (and the reports) ask for without from/to: all time to the end of today.
  const allTime = { from: new Date(0), to: endOfDay(parseDay(today)) };
  const range = [tenantId, allTime.from.toISOString(), allTime.to.toISOString()];
  const quarter = `${clock.getUTCFullYear()}-Q${Math.floor(clock.getUTCMonth() / 3) + 1}`;
  const interval = parsePeriod(quarter);

  const mainCurrency = async () => (await sql(`SELECT currency FROM ${s}.deals WHERE tenant_id = $1 GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1`, [tenantId]))[0].currency;

  return [
    {
      label: 'GET /analytics/kpis (all time)',
      baselineName: 'raw SQL: lead, deal and cost aggregates over the tables',
      service: () => queries.kpis(tenantId, allTime),
      raw: async () => {
        const [leads] = await sql(
          `SELECT count(*)::int AS leads, count(*) FILTER (WHERE qualified_at IS NOT NULL OR converted_at IS NOT NULL)::int AS qualified,
                  count(*) FILTER (WHERE converted_at IS NOT NULL)::int AS converted
             FROM ${s}.leads WHERE tenant_id = $1 AND captured_at >= $2 AND captured_at < $3 AND merged_into IS NULL`,
          range,
        );
        const deals = await sql(
          `SELECT currency, count(*) FILTER (WHERE opened_at >= $2 AND opened_at < $3)::int AS opened,
                  count(*) FILTER (WHERE status = 'won' AND closed_at >= $2 AND closed_at < $3)::int AS won,
                  count(*) FILTER (WHERE status = 'lost' AND closed_at >= $2 AND closed_at < $3)::int AS lost,
                  COALESCE(sum(amount_minor) FILTER (WHERE status = 'won' AND closed_at >= $2 AND closed_at < $3), 0)::text AS won_minor,
                  count(*) FILTER (WHERE status = 'open')::int AS open, COALESCE(sum(amount_minor) FILTER (WHERE status = 'open'), 0)::text AS open_minor,
                  COALESCE(sum(amount_minor * probability / 100) FILTER (WHERE status = 'open'), 0)::text AS weighted_minor
             FROM ${s}.deals WHERE tenant_id = $1 GROUP BY currency ORDER BY currency`,
          range,
        );
        const [cycle] = await sql(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at)::float8 / 86400) AS median,
                  avg(extract(epoch FROM closed_at - opened_at)::float8 / 86400)::float8 AS average
             FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won' AND closed_at >= $2 AND closed_at < $3`,
          range,
        );
        const costs = await sql(
          `SELECT currency, sum(amount_minor * extract(epoch FROM LEAST(period_end, $3::timestamptz) - GREATEST(period_start, $2::timestamptz))
                                / extract(epoch FROM period_end - period_start))::float8 AS cost
             FROM ${s}.marketing_costs WHERE tenant_id = $1 AND period_end > $2 AND period_start < $3 GROUP BY currency`,
          range,
        );
        return { leads, deals, cycle, costs };
      },
      compare: (service, raw, { check }) => {
        const [group] = service.groups;
        check('groups', service.groups.length, 1);
        for (const key of ['leads', 'qualified', 'converted']) check(key, group[key], raw.leads[key]);
        const sum = (key) => raw.deals.reduce((total, row) => total + row[key], 0);
        check('opportunities', group.opportunities, sum('opened'));
        check('won', group.won, sum('won'));
        check('lost', group.lost, sum('lost'));
        check('openDeals', group.openDeals, sum('open'));
        check('medianSalesCycleDays', group.medianSalesCycleDays, raw.cycle.median);
        check('averageSalesCycleDays', group.averageSalesCycleDays, raw.cycle.average);
        for (const row of raw.deals) {
          const entry = group.byCurrency.find((candidate) => candidate.currency === row.currency);
          check(`${row.currency} wonRevenue`, minorOf(entry?.wonRevenue), Number(row.won_minor));
          check(`${row.currency} openDeals`, entry?.openDeals, row.open);
          check(`${row.currency} openPipelineValue`, minorOf(entry?.openPipelineValue), Number(row.open_minor));
          check(`${row.currency} weightedPipelineValue`, minorOf(entry?.weightedPipelineValue), Math.round(Number(row.weighted_minor)));
          const cost = raw.costs.find((candidate) => candidate.currency === row.currency);
          check(`${row.currency} marketingCost`, entry?.marketingCost === null || entry?.marketingCost === undefined ? null : minorOf(entry.marketingCost), cost ? Math.round(cost.cost) : null);
        }
        check('currencies', group.byCurrency.map((entry) => entry.currency), raw.deals.map((row) => row.currency));
      },
    },
    {
      label: 'GET /analytics/reports/owners (all time)',
      baselineName: 'raw SQL: won/lost per owner, activities per actor, tasks done per assignee',
      service: () => queries.ownerReport(tenantId, allTime),
      raw: async () => ({
        deals: await sql(
          `SELECT owner_id, currency, count(*) FILTER (WHERE status = 'won')::int AS won, count(*) FILTER (WHERE status = 'lost')::int AS lost,
                  COALESCE(sum(amount_minor) FILTER (WHERE status = 'won'), 0)::text AS won_minor
             FROM ${s}.deals WHERE tenant_id = $1 AND status IN ('won', 'lost') AND closed_at >= $2 AND closed_at < $3 GROUP BY 1, 2`,
          range,
        ),
        activities: await sql(`SELECT actor_id, count(*)::int AS activities FROM ${s}.activities WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1`, range),
        tasks: await sql(
          `SELECT assignee_id, count(*)::int AS done FROM ${s}.tasks WHERE tenant_id = $1 AND status = 'done' AND completed_at >= $2 AND completed_at < $3 AND assignee_id IS NOT NULL GROUP BY 1`,
          range,
        ),
      }),
      compare: (service, raw, { check }) => {
        const owners = new Map(service.owners.map((owner) => [owner.ownerId, owner]));
        const won = new Map();
        const lost = new Map();
        for (const row of raw.deals) {
          won.set(row.owner_id, (won.get(row.owner_id) ?? 0) + row.won);
          lost.set(row.owner_id, (lost.get(row.owner_id) ?? 0) + row.lost);
          if (row.won > 0) check(`${row.owner_id} won ${row.currency}`, minorOf(owners.get(row.owner_id)?.wonRevenue.find((entry) => entry.currency === row.currency)?.amount), Number(row.won_minor));
        }
        for (const [owner, count] of won) {
          check(`${owner} wonCount`, owners.get(owner)?.wonCount, count);
          check(`${owner} winRate`, owners.get(owner)?.winRate, count + lost.get(owner) > 0 ? count / (count + lost.get(owner)) : null);
        }
        for (const row of raw.activities) check(`${row.actor_id} activitiesLogged`, owners.get(row.actor_id)?.activitiesLogged, row.activities);
        for (const row of raw.tasks) check(`${row.assignee_id} tasksDone`, owners.get(row.assignee_id)?.tasksDone, row.done);
        check('owners', [...owners.keys()].sort(), [...new Set([...won.keys(), ...raw.activities.map((row) => row.actor_id), ...raw.tasks.map((row) => row.assignee_id)])].sort());
      },
    },
    {
      label: 'GET /analytics/reports/products (all time)',
      baselineName: 'raw SQL: won and open deals per product and currency',
      service: () => queries.productReport(tenantId, allTime),
      raw: () =>
        sql(
          `SELECT product_type, currency, count(*) FILTER (WHERE status = 'won' AND closed_at >= $2 AND closed_at < $3)::int AS won,
                  COALESCE(sum(amount_minor) FILTER (WHERE status = 'won' AND closed_at >= $2 AND closed_at < $3), 0)::text AS won_minor,
                  count(*) FILTER (WHERE status = 'open')::int AS open, COALESCE(sum(amount_minor) FILTER (WHERE status = 'open'), 0)::text AS open_minor
             FROM ${s}.deals WHERE tenant_id = $1 GROUP BY 1, 2`,
          range,
        ),
      compare: (service, raw, { check }) => {
        const products = new Map(service.products.map((product) => [product.productType, product]));
        const won = new Map();
        for (const row of raw) {
          won.set(row.product_type, (won.get(row.product_type) ?? 0) + row.won);
          const product = products.get(row.product_type);
          check(`${row.product_type} won ${row.currency}`, minorOf(product?.won.find((entry) => entry.currency === row.currency)?.amount ?? '0'), Number(row.won_minor));
          const open = product?.openPipeline.find((entry) => entry.currency === row.currency);
          check(`${row.product_type} open deals ${row.currency}`, open?.deals ?? 0, row.open);
          check(`${row.product_type} open ${row.currency}`, minorOf(open?.amount ?? '0'), Number(row.open_minor));
        }
        for (const [product, count] of won) check(`${product} wonCount`, products.get(product)?.wonCount, count);
      },
    },
    {
      label: `GET /analytics/pipeline/as-of?date=${today} (page of 500)`,
      baselineName: 'raw SQL: open deals by currency and stage, first 501 by id',
      service: () => queries.pipelineAsOf(tenantId, endOfDay(parseDay(today)), { limit: 500 }),
      raw: async () => ({
        totals: await sql(
          `SELECT currency, count(*)::int AS deals, sum(amount_minor)::text AS amount, sum(amount_minor * probability / 100)::text AS weighted
             FROM ${s}.deals WHERE tenant_id = $1 AND status = 'open' GROUP BY 1 ORDER BY 1`,
          [tenantId],
        ),
        byStage: await sql(`SELECT stage, currency, count(*)::int AS deals, sum(amount_minor)::text AS amount FROM ${s}.deals WHERE tenant_id = $1 AND status = 'open' GROUP BY 1, 2 ORDER BY 1, 2`, [tenantId]),
        page: await sql(`SELECT opportunity_id FROM ${s}.deals WHERE tenant_id = $1 AND status = 'open' ORDER BY opportunity_id LIMIT 501`, [tenantId]),
      }),
      compare: (service, raw, { check }) => {
        check(
          'totals',
          service.totals.map((row) => [row.currency, row.deals, minorOf(row.amount), minorOf(row.weighted)]),
          raw.totals.map((row) => [row.currency, row.deals, Number(row.amount), Math.round(Number(row.weighted))]),
        );
        check('byStage', service.byStage.map((row) => [row.stage, row.currency, row.deals, minorOf(row.amount)]), raw.byStage.map((row) => [row.stage, row.currency, row.deals, Number(row.amount)]));
        check('page', service.deals.map((deal) => deal.opportunityId), raw.page.slice(0, 500).map((row) => row.opportunity_id));
        check('nextAfter', service.nextAfter, raw.page.length > 500 ? raw.page[499].opportunity_id : null);
      },
    },
    {
      label: `GET /analytics/forecast/pipeline?period=${quarter} (10,000 draws)`,
      baselineName: 'raw SQL of its inputs: open deals by category and owner, won in the period',
      service: () => forecasts.pipelineForecast(tenantId, quarter, { draws: 10_000, seed: 1, minSamples: 20 }),
      raw: async () => {
        const currency = await mainCurrency();
        const params = [tenantId, currency];
        return {
          currency,
          categories: await sql(`SELECT forecast_category AS key, count(*)::int AS deals, sum(amount_minor)::text AS amount FROM ${s}.deals WHERE tenant_id = $1 AND status = 'open' AND currency = $2 GROUP BY 1`, params),
          owners: await sql(`SELECT owner_id AS key, count(*)::int AS deals, sum(amount_minor)::text AS amount FROM ${s}.deals WHERE tenant_id = $1 AND status = 'open' AND currency = $2 GROUP BY 1`, params),
          won: (
            await sql(
              `SELECT COALESCE(sum(amount_minor), 0)::text AS amount, count(*)::int AS deals FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won' AND currency = $2 AND closed_at >= $3 AND closed_at < $4`,
              [...params, interval.start.toISOString(), interval.end.toISOString()],
            )
          )[0],
        };
      },
      compare: (service, raw, { check }) => {
        check('currency', service.currency, raw.currency);
        check('closedWon', minorOf(service.closedWon), Number(raw.won.amount));
        check('Closed deals', service.byCategory.Closed?.deals, raw.won.deals);
        const open = (groups) => Object.fromEntries(Object.entries(groups).filter(([key, value]) => key !== 'Closed' && value.deals > 0).map(([key, value]) => [key, [value.deals, minorOf(value.amount)]]));
        const rawOpen = (rows) => Object.fromEntries(rows.map((row) => [row.key, [row.deals, Number(row.amount)]]));
        const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
        check('byCategory (deals, amount)', sorted(open(service.byCategory)), sorted(rawOpen(raw.categories)));
        check('byOwner (deals, amount)', sorted(open(service.byOwner)), sorted(rawOpen(raw.owners)));
      },
    },
    {
      label: 'GET /analytics/forecast/revenue (auto, monthly, 12 ahead)',
      baselineName: 'raw SQL of its input: won revenue per month',
      service: () => forecasts.revenueForecast(tenantId, { horizon: 12, model: 'auto', granularity: 'month' }),
      raw: async () => {
        const currency = await mainCurrency();
        const rows = await sql(
          `SELECT to_char(date_trunc('month', closed_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, sum(amount_minor)::text AS amount
             FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won' AND currency = $2 AND closed_at < $3
            GROUP BY 1 ORDER BY 1`,
          // The current month is not over: the history ends before it.
          [tenantId, currency, new Date(Date.UTC(clock.getUTCFullYear(), clock.getUTCMonth(), 1)).toISOString()],
        );
        return { currency, rows };
      },
      compare: (service, raw, { check }) => {
        check('currency', service.currency, raw.currency);
        check('groups', service.groups.length, 1);
        const history = service.groups[0]?.history ?? [];
        const amounts = new Map(raw.rows.map((row) => [row.month, Number(row.amount)]));
        check('first month', history[0]?.period, raw.rows[0]?.month);
        check('months with revenue', history.filter((entry) => minorOf(entry.amount) !== 0).length, raw.rows.filter((row) => Number(row.amount) !== 0).length);
        for (const entry of history) check(`revenue ${entry.period}`, minorOf(entry.amount), amounts.get(entry.period) ?? 0);
        check('forecast steps', service.groups[0]?.forecast.length, 12);
      },
    },
  ];
};

const timeRuns = async (fn) => {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
};

// --- run -----------------------------------------------------------------------------------------

export const run = async () => {
  const server = await postgres('forecast');
  if (server.error) return skipped('no PostgreSQL', server.error);
  // Sessions tagged with the schema's name, so that cleaning up (also on Ctrl-C) ends only this run's.
  const { schema, applicationName, drop: dropSchema } = scratchSchema(server.url, 'bench_forecast');
  const pool = newPool({ connectionString: server.url, max: writers + 2, application_name: applicationName });
  const removeInterruptGuard = onInterrupt(async () => {
    await dropSchema();
    await server.stop();
  });

  let dataSource;
  const started = performance.now();
  try {
    log(`PostgreSQL: ${server.where}; schema ${schema}; ${opportunities} opportunities, ${writers} writers, ${runs} timed calls per case`);
    await pool.query(analyticsSchemaSql(schema));
    dataSource = await createAnalyticsDataSource(pool, schema);
    const seeded = await seed(pool, dataSource, schema);
    // What autovacuum does soon after a bulk write: statistics for the planner, a visibility map for
    // index-only scans.
    for (const table of projectedTables) await pool.query(`VACUUM ANALYZE ${schema}.${table}`);
    const [size] = (
      await pool.query(
        `SELECT (SELECT count(*) FROM ${schema}.deals WHERE tenant_id = $1)::int AS deals, (SELECT count(*) FROM ${schema}.deals WHERE tenant_id = $1 AND status = 'open')::int AS open,
                (SELECT count(*) FROM ${schema}.deal_events WHERE tenant_id = $1)::int AS deal_events, (SELECT count(*) FROM ${schema}.leads WHERE tenant_id = $1)::int AS leads,
                (SELECT count(*) FROM ${schema}.tasks WHERE tenant_id = $1)::int AS tasks`,
        [tenantId],
      )
    ).rows;
    log(`read models: ${size.deals} deals (${size.open} open), ${size.deal_events} deal events, ${size.leads} leads, ${size.tasks} tasks; the clock is ${seeded.clock.toISOString()}`);
    if (size.deals !== opportunities) throw new Error(`seeded ${size.deals} deals, expected ${opportunities}`);

    // The clock the queries see is the end of the generated history, so the answers do not drift with the date.
    const now = () => seeded.clock;
    const context = { pool, schema, queries: new AnalyticsQueries(dataSource, schema, now), forecasts: new AnalyticsForecasts(dataSource, schema, now), clock: seeded.clock };
    const rows = [];
    for (const entry of cases(context)) {
      // Agreement first (this call doubles as the warm-up), outside the timings.
      const checks = agreement(entry.label);
      entry.compare(await entry.service(), await entry.raw(), checks);
      checks.done();
      const service = await timeRuns(entry.service);
      const raw = await timeRuns(entry.raw);
      log(`${entry.label}: p50 ${service.p50.toFixed(1)} ms, p99 ${service.p99.toFixed(1)} ms; raw SQL p50 ${raw.p50.toFixed(1)} ms, p99 ${raw.p99.toFixed(1)} ms (answers agree)`);
      const label = `${entry.label}, ${opportunities.toLocaleString('en-US')} opportunities`;
      const note = `answers agree; ${runs} calls`;
      rows.push({ case: label, measure: 'p50 ms', value: service.p50, baselineName: entry.baselineName, baseline: raw.p50, note });
      rows.push({ case: label, measure: 'p99 ms', value: service.p99, baselineName: entry.baselineName, baseline: raw.p99, note });
    }
    log(`seeding: ${seeded.events} events in ${seconds(seeded.projectMs)} projecting (${rate(seeded.events, seeded.projectMs)}/s), ${seconds(seeded.generateMs)} generating; wall time ${seconds(performance.now() - started)}`);
    return rows;
  } finally {
    removeInterruptGuard();
    await dataSource?.destroy().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await dropSchema().catch((error) => log(`could not drop ${schema}: ${error.message}`));
    await server.stop();
  }
};

import { currencyDigits, defaultPipelineStages } from '@crm/contracts';
import { parsePeriod } from '@crm/analytics-domain';
import {
  autoForecast,
  backtest,
  fitLinearRegression,
  fitModel,
  ForecastFold,
  forecastAccuracy,
  independentColumns,
  FORECAST_MODEL_NAMES,
  ForecastModelName,
  learnStageModel,
  pipelineForecast,
  StageTransition,
  timeToCloseDistribution,
  unfitReason,
} from '@crm/numerics';
import { CommandRejected } from '@crm/event-sourcing';
import { DataSource } from 'typeorm';
import { dealDimension, Grouping, money, openDealsAsOfSql } from './analytics.queries';

const dayMs = 86_400_000;

/** A forecast request the data cannot answer (too short a history, a period already over): 422. */
export class ForecastUnavailable extends CommandRejected {
  constructor(message: string) {
    super('invalid', 'forecast-unavailable', message);
  }
}

export type RevenueGranularity = 'month' | 'week';
export type RevenueModel = ForecastModelName | 'auto' | 'drivers';
export const revenueModels = ['auto', 'drivers', ...FORECAST_MODEL_NAMES] as const;

/** The driver regression's indicators besides the open pipeline per stage, in design-column order. */
const driverIndicators = ['weightedPipeline', 'qualifiedLeads', 'newOpportunities', 'activities'] as const;
/** Residual degrees of freedom the driver regression keeps, at least. */
const DRIVER_SPARE_MONTHS = 3;


/** Learned stage probabilities, the pipeline forecast and the revenue time-series forecasts. */
export class AnalyticsForecasts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly now: () => Date,
  ) {}

  private async rows<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.dataSource.manager.query(sql, params)) as Row[];
  }

  private async stages(tenantId: string): Promise<Array<{ name: string; probability: number }>> {
    const rows = await this.rows<{ name: string; probability: string }>(`SELECT name, probability FROM ${this.schema}.pipeline_stages WHERE tenant_id = $1 ORDER BY position`, [tenantId]);
    return rows.length ? rows.map((row) => ({ name: row.name, probability: Number(row.probability) })) : defaultPipelineStages.map((stage) => ({ name: stage.name, probability: stage.probability }));
  }

  /**
   * Every move of every deal: stage to stage, to Won or Lost, and out of them when reopened, with
   * the days spent where it came from. Stage names follow the pipeline's spelling.
   */
  async stageTransitions(tenantId: string): Promise<StageTransition[]> {
    const stages = await this.stages(tenantId);
    const canonical = new Map(stages.map((stage) => [stage.name.toLowerCase(), stage.name]));
    const name = (stage: string) => canonical.get(stage.toLowerCase()) ?? stage;
    const rows = await this.rows<{ opportunity_id: string; kind: string; stage: string | null; at: Date }>(
      `SELECT opportunity_id, kind, stage, occurred_at AS at FROM ${this.schema}.deal_events
        WHERE tenant_id = $1 AND kind IN ('opened', 'advanced', 'slipped', 'won', 'lost', 'reopened') ORDER BY opportunity_id, revision`,
      [tenantId],
    );
    const transitions: StageTransition[] = [];
    let current: { id: string; at: number; where: string } | undefined;
    for (const row of rows) {
      const at = new Date(row.at).getTime();
      const where = row.kind === 'won' ? 'Won' : row.kind === 'lost' ? 'Lost' : name(row.stage ?? '');
      if (row.kind !== 'opened' && current && current.id === row.opportunity_id && current.where !== where) {
        transitions.push({ opportunityId: row.opportunity_id, from: current.where, to: where, days: Math.max(0, (at - current.at) / dayMs) });
      }
      if (row.kind === 'opened' || !current || current.id !== row.opportunity_id || current.where !== where) current = { id: row.opportunity_id, at, where };
    }
    return transitions;
  }

  /** `GET /analytics/stage-probabilities`: the absorbing chain learned from the stage history. */
  async stageProbabilities(tenantId: string, minSamples: number) {
    const stages = await this.stages(tenantId);
    const transitions = await this.stageTransitions(tenantId);
    const model = learnStageModel(
      transitions,
      stages.map((stage) => ({ name: stage.name, defaultProbability: stage.probability })),
      { minSamples },
    );
    return {
      minSamples,
      transitionsObserved: transitions.length,
      ignoredTransitions: model.ignoredTransitions,
      stages: model.stages.map((estimate, index) => ({
        stage: estimate.stage,
        samples: estimate.samples,
        winProbability: estimate.winProbability,
        source: estimate.source,
        defaultProbability: stages[index].probability / 100,
        conditionalAdvance: estimate.conditionalAdvance,
        expectedRemainingDays: estimate.expectedRemainingDays,
        meanDaysInStage: estimate.meanDaysInStage,
        transitions: estimate.transitions,
      })),
    };
  }

  /**
   * `GET /analytics/forecast/pipeline`: Σ amount × P(win) × P(close within the period) over the
   * open deals of one currency, plus what was already won in the period; a seeded Monte Carlo
   * gives P10/P50/P90.
   */
  async pipelineForecast(tenantId: string, period: string, options: { currency?: string; draws: number; seed: number; minSamples: number }) {
    const interval = parsePeriod(period);
    if (!interval) throw new ForecastUnavailable(`${period} is not a month or quarter`);
    const now = this.now();
    if (interval.end <= now) throw new ForecastUnavailable(`${period} is over: its actuals are in /analytics/kpis and /analytics/forecast/accuracy`);
    const s = this.schema;
    const currency = options.currency ?? (await this.mainCurrency(tenantId));
    if (!currency) throw new ForecastUnavailable('there are no deals to forecast');

    const model = await this.stageProbabilities(tenantId, options.minSamples);
    const winByStage = new Map(model.stages.map((stage) => [stage.stage.toLowerCase(), stage.winProbability]));
    // Time to close: days from opening to winning, over the deals won so far.
    const cycles = (await this.rows<{ days: number }>(`SELECT extract(epoch FROM closed_at - opened_at)::float8 / 86400 AS days FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won'`, [tenantId])).map((row) => row.days);
    const timeToClose = timeToCloseDistribution(cycles);
    const open = await this.rows<{ opportunity_id: string; amount_minor: string; stage: string; probability: string; forecast_category: string; owner_id: string; team_id: string | null; opened_at: Date; expected_close_date: string }>(
      `SELECT d.opportunity_id, d.amount_minor::text, d.stage, d.probability::text, d.forecast_category, d.owner_id, m.team_id, d.opened_at, d.expected_close_date::text
         FROM ${s}.deals d LEFT JOIN ${s}.members m ON m.tenant_id = d.tenant_id AND m.member_id = d.owner_id
        WHERE d.tenant_id = $1 AND d.status = 'open' AND d.currency = $2`,
      [tenantId, currency],
    );
    const from = Math.max(interval.start.getTime(), now.getTime());
    const deals = open.map((deal) => {
      const age = (now.getTime() - new Date(deal.opened_at).getTime()) / dayMs;
      const survived = 1 - timeToClose.probabilityWithin(age);
      // P(close in [from, end) | still open at its age): the learned distribution, conditioned on
      // the deal's age. A deal older than every won deal was: its expected close date decides.
      const closeProbability =
        timeToClose.source === 'fallback' || survived <= 1e-12
          ? Date.parse(`${deal.expected_close_date}T00:00:00Z`) < interval.end.getTime()
            ? 1
            : 0
          : (timeToClose.probabilityWithin(age + (interval.end.getTime() - now.getTime()) / dayMs) - timeToClose.probabilityWithin(age + (from - now.getTime()) / dayMs)) / survived;
      return {
        id: deal.opportunity_id,
        amountMinor: Number(deal.amount_minor),
        winProbability: winByStage.get(deal.stage.toLowerCase()) ?? Number(deal.probability) / 100,
        closeProbability: Math.min(1, Math.max(0, closeProbability)),
        forecastCategory: deal.forecast_category,
        ownerId: deal.owner_id,
        ...(deal.team_id ? { teamId: deal.team_id } : {}),
      };
    });
    const forecast = pipelineForecast(deals, { draws: options.draws, seed: options.seed });
    const [won] = await this.rows<{ amount: string; deals: number }>(
      `SELECT COALESCE(sum(amount_minor), 0)::text AS amount, count(*)::int AS deals FROM ${s}.deals WHERE tenant_id = $1 AND status = 'won' AND currency = $2 AND closed_at >= $3 AND closed_at < $4`,
      [tenantId, currency, interval.start.toISOString(), interval.end.toISOString()],
    );
    const closed = Number(won.amount);
    const format = (minor: number) => money(minor, currency).amount;
    const totals = (groups: Record<string, { deals: number; amountMinor: number; expected: number }>) =>
      Object.fromEntries(Object.entries(groups).map(([key, value]) => [key, { deals: value.deals, amount: format(value.amountMinor), expected: format(value.expected) }]));
    const byCategory = totals(forecast.byCategory);
    // Closed is what is already won in the period: certain, not a forecast.
    byCategory.Closed = { deals: won.deals, amount: format(closed), expected: format(closed) };
    return {
      period,
      currency,
      asOf: now.toISOString(),
      method: 'Σ amount × P(win | stage, learned) × P(close within the period | age, learned time to close), plus the revenue already won in the period',
      timeToClose: { samples: timeToClose.samples, source: timeToClose.source },
      expected: format(closed + forecast.expected),
      closedWon: format(closed),
      openPipelineExpected: format(forecast.expected),
      byCategory,
      byOwner: totals(forecast.byOwner),
      byTeam: totals(forecast.byTeam),
      monteCarlo: {
        draws: forecast.monteCarlo.draws,
        seed: forecast.monteCarlo.seed,
        mean: format(closed + forecast.monteCarlo.mean),
        p10: format(closed + forecast.monteCarlo.p10),
        p50: format(closed + forecast.monteCarlo.p50),
        p90: format(closed + forecast.monteCarlo.p90),
      },
    };
  }

  private async mainCurrency(tenantId: string): Promise<string | undefined> {
    const [row] = await this.rows<{ currency: string }>(`SELECT currency FROM ${this.schema}.deals WHERE tenant_id = $1 GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1`, [tenantId]);
    return row?.currency;
  }

  /** Won revenue per month (or ISO week) from the first won deal to the last complete period, zeros included. */
  async revenueSeries(tenantId: string, currency: string, granularity: RevenueGranularity, groupBy?: Grouping): Promise<{ periods: string[]; series: Map<string | null, number[]> }> {
    const s = this.schema;
    const unit = granularity === 'month' ? 'month' : 'week';
    const today = this.now();
    // The current period is not over: the series ends before it.
    const end =
      granularity === 'month'
        ? new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1))
        : new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - ((today.getUTCDay() + 6) % 7)));
    const rows = await this.rows<{ key: string | null; bucket: Date; amount: string }>(
      `SELECT ${groupBy ? dealDimension[groupBy] : 'NULL::text'} AS key, date_trunc('${unit}', d.closed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, sum(d.amount_minor)::text AS amount
         FROM ${s}.deals d LEFT JOIN ${s}.leads l ON l.tenant_id = d.tenant_id AND l.lead_id = d.lead_id
              LEFT JOIN ${s}.members m ON m.tenant_id = d.tenant_id AND m.member_id = d.owner_id
        WHERE d.tenant_id = $1 AND d.status = 'won' AND d.currency = $2 AND d.closed_at < $3 GROUP BY 1, 2`,
      [tenantId, currency, end.toISOString()],
    );
    if (rows.length === 0) return { periods: [], series: new Map() };
    const first = new Date(Math.min(...rows.map((row) => new Date(row.bucket).getTime())));
    const periods: Date[] = [];
    for (let at = first; at < end; at = granularity === 'month' ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)) : new Date(at.getTime() + 7 * dayMs)) periods.push(at);
    const index = new Map(periods.map((at, position) => [at.getTime(), position]));
    const series = new Map<string | null, number[]>();
    for (const row of rows) {
      const values = series.get(row.key) ?? new Array<number>(periods.length).fill(0);
      const position = index.get(new Date(row.bucket).getTime());
      if (position !== undefined) values[position] += Number(row.amount);
      series.set(row.key, values);
    }
    return { periods: periods.map((at) => (granularity === 'month' ? at.toISOString().slice(0, 7) : at.toISOString().slice(0, 10))), series };
  }

  /**
   * The leading indicators at the start of each month (UTC), in one currency: the open pipeline per
   * stage and weighted by each deal's probability (the as-of fold of `pipelineAsOf`, once per
   * month), and the previous month's newly qualified leads (their latest qualification),
   * opportunities opened in this currency and logged activities. Amounts in major units (e.g. euros), counts as counts.
   */
  async leadingIndicators(tenantId: string, currency: string, months: readonly string[]): Promise<{ stages: string[]; values: Map<string, Record<string, number>> }> {
    const s = this.schema;
    const starts = months.map((month) => `${month}-01T00:00:00.000Z`);
    const previous = months.map((month) => {
      const [year, monthIndex] = month.split('-').map(Number);
      return new Date(Date.UTC(year, monthIndex - 2, 1)).toISOString();
    });
    const pipeline = await this.rows<{ at: Date; stage: string; amount: string; weighted: string }>(
      `SELECT m.at, o.stage, sum(o.amount_minor)::text AS amount, sum(o.amount_minor * o.probability / 100)::text AS weighted
         FROM unnest($2::timestamptz[]) AS m(at)
         CROSS JOIN LATERAL (WITH ${openDealsAsOfSql(s, 'm.at')} SELECT stage, probability, amount_minor FROM open_deals WHERE currency = $3) o
        GROUP BY 1, 2`,
      [tenantId, starts, currency],
    );
    const counts = await this.rows<{ at: Date; qualified: number; opened: number; activities: number }>(
      `SELECT m.at,
              (SELECT count(*) FROM ${s}.leads l WHERE l.tenant_id = $1 AND l.qualified_at >= m.prev AND l.qualified_at < m.at)::int AS qualified,
              (SELECT count(*) FROM ${s}.deal_events e WHERE e.tenant_id = $1 AND e.kind = 'opened' AND e.currency_after = $4 AND e.occurred_at >= m.prev AND e.occurred_at < m.at)::int AS opened,
              (SELECT count(*) FROM ${s}.activities a WHERE a.tenant_id = $1 AND a.occurred_at >= m.prev AND a.occurred_at < m.at)::int AS activities
         FROM unnest($2::timestamptz[], $3::timestamptz[]) AS m(at, prev)`,
      [tenantId, starts, previous, currency],
    );
    const configured = (await this.stages(tenantId)).map((stage) => stage.name);
    const canonical = new Map(configured.map((name) => [name.toLowerCase(), name]));
    const stageName = (stage: string) => canonical.get(stage.toLowerCase()) ?? stage;
    const stages = [...configured, ...[...new Set(pipeline.map((row) => stageName(row.stage)))].filter((name) => !configured.includes(name)).sort()];
    const unit = 10 ** currencyDigits(currency);
    const monthOf = (at: Date) => new Date(at).toISOString().slice(0, 7);
    const values = new Map<string, Record<string, number>>();
    for (const row of counts) {
      const entry: Record<string, number> = Object.fromEntries(stages.map((stage) => [`pipeline:${stage}`, 0]));
      Object.assign(entry, { weightedPipeline: 0, qualifiedLeads: row.qualified, newOpportunities: row.opened, activities: row.activities });
      values.set(monthOf(row.at), entry);
    }
    for (const row of pipeline) {
      const entry = values.get(monthOf(row.at));
      if (!entry) continue;
      entry[`pipeline:${stageName(row.stage)}`] += Number(row.amount) / unit;
      entry.weightedPipeline += Number(row.weighted) / unit;
    }
    return { stages, values };
  }

  /**
   * `model=drivers`: each month's won revenue regressed (OLS) on the leading indicators known at
   * its start. Only the current month can be forecast that way (its start has passed, so its
   * indicators are known), whatever the horizon asked; the backtest refits at each of the last 12
   * months and predicts that month. Indicators that are linear combinations of the ones before
   * them (a stage never used, a weighted pipeline fixed by the stage probabilities) are dropped.
   */
  private async driverForecast(tenantId: string, currency: string, horizon: number) {
    const { periods, series } = await this.revenueSeries(tenantId, currency, 'month');
    const revenueMinor = series.get(null) ?? [];
    if (periods.length === 0) throw new ForecastUnavailable(`no deal in ${currency} was won before the current month`);
    const last = periods[periods.length - 1];
    const [year, month] = last.split('-').map(Number);
    const current = new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 7);
    const { stages, values } = await this.leadingIndicators(tenantId, currency, [...periods, current]);
    const names = [...stages.map((stage) => `pipeline:${stage}`), ...driverIndicators];
    const unit = 10 ** currencyDigits(currency);
    const indicatorsOf = (period: string) => values.get(period) ?? {};
    const x = periods.map((period) => names.map((name) => indicatorsOf(period)[name] ?? 0));
    const y = revenueMinor.map((value) => value / unit);
    const next = names.map((name) => indicatorsOf(current)[name] ?? 0);

    const fitOn = (rows: number[][], response: number[]) => {
      const { kept } = independentColumns(rows);
      const coefficients = 1 + kept.length;
      if (rows.length < coefficients + DRIVER_SPARE_MONTHS) {
        throw new ForecastUnavailable(
          `${rows.length} months of revenue history are too few for the driver regression: its ${coefficients} coefficients (intercept and ${kept.length} independent indicators) need at least ${coefficients + DRIVER_SPARE_MONTHS} months`,
        );
      }
      return { kept, fit: fitLinearRegression(rows.map((row) => kept.map((j) => row[j])), response, { names: kept.map((j) => names[j]) }) };
    };
    const { kept, fit } = fitOn(x, y);
    const prediction = fit.predict(kept.map((j) => next[j]));

    const folds: ForecastFold[] = [];
    const minTrain = Math.max(1 + kept.length + DRIVER_SPARE_MONTHS, 2);
    for (let origin = Math.max(minTrain, periods.length - 12); origin < periods.length; origin++) {
      try {
        const fold = fitOn(x.slice(0, origin), y.slice(0, origin));
        const forecast = fold.fit.predict(fold.kept.map((j) => x[origin][j])).mean * unit;
        folds.push({ training: revenueMinor.slice(0, origin), actual: [revenueMinor[origin]], forecast: [forecast] });
      } catch (error) {
        if (!(error instanceof RangeError) && !(error instanceof ForecastUnavailable)) throw error;
      }
    }
    const format = (major: number) => money(major * unit, currency).amount;
    const dropped = names.filter((_, j) => !kept.includes(j));
    return {
      currency,
      granularity: 'month' as const,
      horizon,
      groupBy: null,
      groups: [
        {
          key: null,
          model: 'drivers' as const,
          seasonalPeriod: 1,
          parameters: Object.fromEntries(fit.names.map((name, j) => [name, fit.coefficients[j]])),
          intervalMethod: 'analytic' as const,
          note: `the driver regression forecasts only ${current}, the month whose leading indicators are known (at its start)`,
          history: revenueMinor.map((value, position) => ({ period: periods[position], amount: money(value, currency).amount })),
          forecast: [
            {
              period: current,
              amount: format(prediction.mean),
              lower80: format(prediction.lower80),
              upper80: format(prediction.upper80),
              lower95: format(prediction.lower95),
              upper95: format(prediction.upper95),
            },
          ],
          backtest: folds.length
            ? { ...forecastAccuracy(folds, 1), folds: folds.length, horizon: 1 }
            : { unavailable: `no backtest origin leaves the ${minTrain} months the regression needs before it` },
          regression: {
            units: `revenue and pipeline amounts in ${currency}; leads, opportunities and activities as counts in the previous month`,
            observations: fit.observations,
            degreesOfFreedom: fit.degreesOfFreedom,
            rSquared: fit.rSquared,
            adjustedRSquared: fit.adjustedRSquared,
            residualStandardError: Math.sqrt(fit.residualVariance),
            coefficients: fit.names.map((name, j) => ({ name, estimate: fit.coefficients[j], standardError: fit.standardErrors[j], tStatistic: fit.tStatistics[j] })),
            dropped: dropped.map((name) => ({ name, reason: 'a linear combination of the intercept and the indicators before it over this history' })),
          },
          design: {
            columns: fit.names,
            rows: periods.map((period, position) => ({ month: period, revenue: y[position], indicators: Object.fromEntries(names.map((name, j) => [name, x[position][j]])) })),
            next: { month: current, indicators: Object.fromEntries(names.map((name, j) => [name, next[j]])) },
          },
        },
      ],
    };
  }

  /** `GET /analytics/forecast/revenue`: a named model or the backtest winner, with intervals and backtest metrics. */
  async revenueForecast(tenantId: string, options: { horizon: number; model: RevenueModel; granularity: RevenueGranularity; groupBy?: Grouping; currency?: string }) {
    const currency = options.currency ?? (await this.mainCurrency(tenantId));
    if (!currency) throw new ForecastUnavailable('no deal has been won yet: there is no revenue history');
    if (options.model === 'drivers') {
      if (options.granularity !== 'month' || options.groupBy) throw new ForecastUnavailable('the driver regression forecasts the whole monthly revenue: no week granularity or groupBy');
      return this.driverForecast(tenantId, currency, options.horizon);
    }
    const timeSeriesModel = options.model;
    const seasonalPeriod = options.granularity === 'month' ? 12 : 52;
    const { periods, series } = await this.revenueSeries(tenantId, currency, options.granularity, options.groupBy);
    if (periods.length === 0) throw new ForecastUnavailable(`no deal in ${currency} was won before the current ${options.granularity}`);
    const next = (offset: number) => {
      const last = periods[periods.length - 1];
      if (options.granularity === 'month') {
        const [year, month] = last.split('-').map(Number);
        return new Date(Date.UTC(year, month - 1 + offset, 1)).toISOString().slice(0, 7);
      }
      return new Date(Date.parse(`${last}T00:00:00Z`) + offset * 7 * dayMs).toISOString().slice(0, 10);
    };
    const format = (minor: number) => money(minor, currency).amount;
    const groups = [...series.entries()].sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''));
    const results = groups.map(([key, values]) => {
      // Seasonal models need two seasons: shorter histories forecast without seasonality.
      const m = values.length >= 2 * seasonalPeriod + options.horizon ? seasonalPeriod : 1;
      const horizon = options.horizon;
      let chosen: ForecastModelName;
      let comparison: unknown;
      let skipped: unknown;
      let accuracy: unknown = null;
      let intervals;
      let fitted;
      if (timeSeriesModel === 'auto') {
        if (values.length < 4) throw new ForecastUnavailable(`${values.length} ${options.granularity}s of history are too few to compare models (at least 4)`);
        const result = autoForecast(values, { seasonalPeriod: m, horizon: Math.min(horizon, Math.max(1, Math.floor(values.length / 3))) });
        chosen = result.model;
        comparison = result.comparison.map(({ model, mae, rmse, mape, mapeNote, smape, mase, folds }) => ({ model, mae, rmse, mape, ...(mapeNote ? { mapeNote } : {}), smape, mase, folds }));
        skipped = result.skipped;
        fitted = result.fitted;
        intervals = fitted.predict(horizon);
        accuracy = result.comparison.find((entry) => entry.model === chosen) ?? null;
      } else {
        chosen = timeSeriesModel;
        const reason = unfitReason(chosen, values, m);
        if (reason) throw new ForecastUnavailable(`${chosen} cannot be fitted to ${values.length} ${options.granularity}s: ${reason}`);
        fitted = fitModel(chosen, values, { seasonalPeriod: m });
        intervals = fitted.predict(horizon);
        try {
          const { folds: _folds, ...metrics } = backtest(values, chosen, { seasonalPeriod: m, horizon: Math.min(horizon, Math.max(1, Math.floor(values.length / 3))), maxFolds: 12 });
          accuracy = metrics;
        } catch (error) {
          accuracy = { unavailable: (error as Error).message };
        }
      }
      return {
        key,
        model: chosen,
        ...(fitted.description ? { description: fitted.description } : {}),
        seasonalPeriod: m,
        parameters: fitted.parameters,
        intervalMethod: fitted.intervalMethod,
        history: values.map((value, position) => ({ period: periods[position], amount: format(value) })),
        forecast: intervals.mean.map((mean, step) => ({
          period: next(step + 1),
          amount: format(mean),
          lower80: format(intervals.lower80[step]),
          upper80: format(intervals.upper80[step]),
          lower95: format(intervals.lower95[step]),
          upper95: format(intervals.upper95[step]),
        })),
        backtest: accuracy,
        ...(comparison ? { comparison, skipped } : {}),
      };
    });
    return { currency, granularity: options.granularity, horizon: options.horizon, groupBy: options.groupBy ?? null, groups: results };
  }

  /**
   * What a snapshot records for a period not yet over: the pipeline forecast (with P10/P90) and the
   * monthly revenue model's (`auto`), both in one currency. Months of the period already complete
   * count with their actual revenue in the latter.
   */
  async snapshotsFor(tenantId: string, period: string, currency?: string): Promise<Array<{ method: string; expectedMinor: number; p10Minor?: number; p90Minor?: number; currency: string }>> {
    const interval = parsePeriod(period);
    if (!interval) throw new ForecastUnavailable(`${period} is not a month or quarter`);
    const chosen = currency ?? (await this.mainCurrency(tenantId));
    if (!chosen) throw new ForecastUnavailable('there are no deals to forecast');
    const minor = (amount: string) => Math.round(Number(amount) * 10 ** (amount.split('.')[1]?.length ?? 0));
    const pipeline = await this.pipelineForecast(tenantId, period, { currency: chosen, draws: 10_000, seed: 1, minSamples: 20 });
    const snapshots: Array<{ method: string; expectedMinor: number; p10Minor?: number; p90Minor?: number; currency: string }> = [
      { method: 'pipeline', expectedMinor: minor(pipeline.expected), p10Minor: minor(pipeline.monteCarlo.p10), p90Minor: minor(pipeline.monteCarlo.p90), currency: chosen },
    ];
    const { periods, series } = await this.revenueSeries(tenantId, chosen, 'month');
    const values = series.get(null);
    if (values && values.length >= 4) {
      const months: string[] = [];
      for (let at = interval.start; at < interval.end; at = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1))) months.push(at.toISOString().slice(0, 7));
      const lastKnown = periods[periods.length - 1];
      const ahead = months.filter((month) => month > lastKnown);
      const horizon = ahead.length ? monthsBetween(lastKnown, ahead[ahead.length - 1]) : 0;
      const m = values.length >= 24 + Math.max(1, horizon) ? 12 : 1;
      const result = horizon ? autoForecast(values, { seasonalPeriod: m, horizon: Math.min(horizon, Math.max(1, Math.floor(values.length / 3))) }) : undefined;
      const means = result && horizon ? result.fitted.forecast(horizon) : [];
      const expected = months.reduce((sum, month) => {
        const known = periods.indexOf(month);
        if (known >= 0) return sum + values[known];
        const step = monthsBetween(lastKnown, month);
        return sum + Math.max(0, means[step - 1] ?? 0);
      }, 0);
      snapshots.push({ method: `revenue:${result?.model ?? 'actual'}`, expectedMinor: Math.round(expected), currency: chosen });
    }
    return snapshots;
  }

  /** `GET /analytics/forecast/accuracy`: snapshots of periods now over, against what was won. */
  async accuracy(tenantId: string, period?: string) {
    const s = this.schema;
    const rows = await this.rows<{ period: string; method: string; recorded_on: string; currency: string; expected_minor: string; p10_minor: string | null; p90_minor: string | null; actual: string }>(
      `SELECT f.period, f.method, f.recorded_on::text, f.currency, f.expected_minor::text, f.p10_minor::text, f.p90_minor::text,
              (SELECT COALESCE(sum(d.amount_minor), 0) FROM ${s}.deals d WHERE d.tenant_id = f.tenant_id AND d.status = 'won' AND d.currency = f.currency
                  AND d.closed_at >= f.period_start AND d.closed_at < f.period_end)::text AS actual
         FROM ${s}.forecast_snapshots f WHERE f.tenant_id = $1 AND f.period_end <= $2 AND ($3::text IS NULL OR f.period = $3) ORDER BY f.period, f.method, f.recorded_on`,
      [tenantId, this.now().toISOString(), period ?? null],
    );
    const snapshots = rows.map((row) => {
      const expected = Number(row.expected_minor);
      const actual = Number(row.actual);
      return {
        period: row.period,
        method: row.method,
        recordedOn: row.recorded_on,
        currency: row.currency,
        forecast: money(expected, row.currency).amount,
        actual: money(actual, row.currency).amount,
        error: money(expected - actual, row.currency).amount,
        absolutePercentError: actual === 0 ? null : (Math.abs(expected - actual) / Math.abs(actual)) * 100,
        ...(row.p10_minor !== null && row.p90_minor !== null ? { withinP10P90: actual >= Number(row.p10_minor) && actual <= Number(row.p90_minor) } : {}),
        errorMinor: expected - actual,
        actualMinor: actual,
      };
    });
    const methods = [...new Set(snapshots.map((entry) => entry.method))].sort();
    return {
      asOf: this.now().toISOString(),
      methods: methods.map((method) => {
        const own = snapshots.filter((entry) => entry.method === method);
        const anyZero = own.some((entry) => entry.actualMinor === 0);
        const currencies = [...new Set(own.map((entry) => entry.currency))];
        return {
          method,
          snapshots: own.length,
          // Errors are only pooled within one currency.
          ...(currencies.length === 1
            ? {
                currency: currencies[0],
                meanAbsoluteError: money(own.reduce((sum, entry) => sum + Math.abs(entry.errorMinor), 0) / own.length, currencies[0]).amount,
                bias: money(own.reduce((sum, entry) => sum + entry.errorMinor, 0) / own.length, currencies[0]).amount,
              }
            : { currencies }),
          meanAbsolutePercentError: anyZero ? null : own.reduce((sum, entry) => sum + (entry.absolutePercentError ?? 0), 0) / own.length,
          ...(anyZero ? { mapeNote: 'undefined: a period had no won revenue' } : {}),
        };
      }),
      snapshots: snapshots.map(({ errorMinor: _error, actualMinor: _actual, ...entry }) => entry),
    };
  }
}

const monthsBetween = (from: string, to: string): number => {
  const [fromYear, fromMonth] = from.split('-').map(Number);
  const [toYear, toMonth] = to.split('-').map(Number);
  return (toYear - fromYear) * 12 + (toMonth - fromMonth);
};

import { randomUUID } from 'node:crypto';
import { storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { appendConcurrently, createTestSchema, describeWithInfra, GeneratedEvent, generateCrmHistoryArray } from '@crm/testing';
import { Pool } from 'pg';
import { AnalyticsConsumers } from './analytics.consumers';
import { AnalyticsService } from './analytics.service';
import { ForecastUnavailable } from './forecasting';

// Revenue forecasts beyond the time-series models: the driver regression on leading indicators,
// and ARIMA in the model set, over generated histories projected into a real PostgreSQL.

/** (XᵀX)⁻¹ and (XᵀX)⁻¹Xᵀy by Gauss–Jordan elimination with partial pivoting, independent of the service's QR. */
const normalEquations = (x: number[][], y: number[]) => {
  const p = x[0].length;
  const augmented = Array.from({ length: p }, (_, i) => [
    ...Array.from({ length: p }, (_, j) => x.reduce((sum, row) => sum + row[i] * row[j], 0)),
    ...Array.from({ length: p }, (_, j) => (i === j ? 1 : 0)),
  ]);
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(augmented[r][col]) > Math.abs(augmented[pivot][col])) pivot = r;
    [augmented[col], augmented[pivot]] = [augmented[pivot], augmented[col]];
    const scale = augmented[col][col];
    augmented[col] = augmented[col].map((value) => value / scale);
    for (let r = 0; r < p; r++) {
      if (r === col) continue;
      const factor = augmented[r][col];
      augmented[r] = augmented[r].map((value, c) => value - factor * augmented[col][c]);
    }
  }
  const inverse = augmented.map((row) => row.slice(p));
  const xty = Array.from({ length: p }, (_, i) => x.reduce((sum, row, k) => sum + row[i] * y[k], 0));
  return { inverse, beta: inverse.map((row) => row.reduce((sum, value, j) => sum + value * xty[j], 0)) };
};

type DriverGroup = {
  model: string;
  forecast: Array<{ period: string; amount: string; lower95: string; upper95: string }>;
  history: Array<{ period: string; amount: string }>;
  backtest: { mae?: number; rmse?: number; folds?: number; unavailable?: string };
  regression: {
    observations: number;
    degreesOfFreedom: number;
    rSquared: number;
    adjustedRSquared: number;
    residualStandardError: number;
    coefficients: Array<{ name: string; estimate: number; standardError: number; tStatistic: number }>;
    dropped: Array<{ name: string; reason: string }>;
  };
  design: { columns: string[]; rows: Array<{ month: string; revenue: number; indicators: Record<string, number> }>; next: { month: string; indicators: Record<string, number> } };
};

describeWithInfra(['postgres'], 'revenue forecasts: driver regression and ARIMA', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: AnalyticsService;
  let consumers: RunningConsumers | undefined;
  const tenantId = `tenant-${randomUUID()}`;
  const shortTenantId = `tenant-${randomUUID()}`;

  const appendAll = (history: GeneratedEvent[]) => appendConcurrently(store, history, 4);

  beforeAll(async () => {
    ({ pool, schema, drop } = await createTestSchema('analytics_drivers'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    // 30 months of history ending 2026-06-28; the clock is in July, so June is the last complete month.
    const bus = storeEventBus(store);
    service = new AnalyticsService(store, pool, bus, { schema, clock: () => new Date('2026-07-10T00:00:00.000Z') });
    await service.onModuleInit();
    consumers = await startEventConsumers(bus, [AnalyticsConsumers], [{ provide: AnalyticsService, useValue: service }]);
    const long = generateCrmHistoryArray({ seed: 7, tenantId, events: 12_000, stopAt: 'end', start: '2024-01-01T00:00:00.000Z', days: 910, currencies: ['EUR'] });
    const short = generateCrmHistoryArray({ seed: 8, tenantId: shortTenantId, events: 1_500, stopAt: 'end', start: '2026-02-01T00:00:00.000Z', days: 150, currencies: ['EUR'] });
    const [longPosition, shortPosition] = await Promise.all([appendAll(long), appendAll(short)]);
    const position = Math.max(longPosition, shortPosition);
    await service.waitFor(position, 300_000);
  }, 600_000);
  afterAll(async () => {
    await consumers?.close();
    await service?.onModuleDestroy();
    await store?.close();
    await drop?.();
  });

  it('regresses monthly won revenue on the leading indicators: coefficients as the normal equations on the design it shows', async () => {
    const result = await service.forecasts.revenueForecast(tenantId, { horizon: 6, model: 'drivers', granularity: 'month', currency: 'EUR' });
    const [group] = result.groups as unknown as DriverGroup[];
    expect(group.model).toBe('drivers');
    const { design, regression } = group;
    expect(design.rows.length).toBeGreaterThanOrEqual(24);
    expect(design.rows.map((row) => row.month)).toEqual(group.history.map((entry) => entry.period));
    design.rows.forEach((row, i) => expect(row.revenue).toBeCloseTo(Number(group.history[i].amount), 6));
    expect(design.columns[0]).toBe('intercept');
    expect(design.columns).toEqual(regression.coefficients.map((entry) => entry.name));
    expect(design.columns).toEqual(expect.arrayContaining(['qualifiedLeads', 'newOpportunities', 'activities']));

    // The design's own numbers, solved independently.
    const x = design.rows.map((row) => design.columns.map((column) => (column === 'intercept' ? 1 : row.indicators[column])));
    const y = design.rows.map((row) => row.revenue);
    const { beta, inverse } = normalEquations(x, y);
    const residuals = y.map((value, i) => value - x[i].reduce((sum, v, j) => sum + v * beta[j], 0));
    const variance = residuals.reduce((sum, e) => sum + e * e, 0) / (x.length - x[0].length);
    regression.coefficients.forEach((entry, j) => {
      expect(Number.isFinite(entry.estimate)).toBe(true);
      expect(Math.abs(entry.estimate - beta[j])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(beta[j])));
      expect(entry.standardError).toBeCloseTo(Math.sqrt(variance * inverse[j][j]), 4);
    });
    expect(regression.observations).toBe(x.length);
    expect(regression.degreesOfFreedom).toBe(x.length - x[0].length);
    const mean = y.reduce((sum, value) => sum + value, 0) / y.length;
    expect(regression.rSquared).toBeCloseTo(1 - residuals.reduce((sum, e) => sum + e * e, 0) / y.reduce((sum, value) => sum + (value - mean) ** 2, 0), 8);
    expect(regression.rSquared).toBeGreaterThan(0);
    expect(regression.rSquared).toBeLessThanOrEqual(1);

    // Every generated deal sits at its stage's probability: the weighted pipeline is a fixed
    // combination of the stage amounts, so it is reported as dropped rather than fitted.
    expect(regression.dropped.map((entry) => entry.name)).toContain('weightedPipeline');

    // Only the current month is forecast, from the indicators at its start; the backtest predicts each of the last months.
    expect(group.forecast.map((step) => step.period)).toEqual(['2026-07']);
    expect(design.next.month).toBe('2026-07');
    const point = design.columns.reduce((sum, column, j) => sum + beta[j] * (column === 'intercept' ? 1 : design.next.indicators[column]), 0);
    expect(Number(group.forecast[0].amount)).toBeCloseTo(point, 1);
    expect(Number(group.forecast[0].lower95)).toBeLessThan(Number(group.forecast[0].amount));
    expect(group.backtest.folds).toBeGreaterThan(3);
    expect(Number.isFinite(group.backtest.mae)).toBe(true);
  }, 120_000);

  it('takes the pipeline per stage from the same point-in-time fold as the pipeline as-of report', async () => {
    const result = await service.forecasts.revenueForecast(tenantId, { horizon: 1, model: 'drivers', granularity: 'month', currency: 'EUR' });
    const [group] = result.groups as unknown as DriverGroup[];
    for (const row of [group.design.rows[3], group.design.rows[15], group.design.rows[group.design.rows.length - 1]]) {
      const asOf = await service.readModels.pipelineAsOf(tenantId, new Date(`${row.month}-01T00:00:00.000Z`), { limit: 1 });
      const stageAmounts = Object.fromEntries(Object.entries(row.indicators).filter(([name]) => name.startsWith('pipeline:')));
      const expected = Object.fromEntries(Object.keys(stageAmounts).map((name) => [name, 0]));
      for (const entry of asOf.byStage.filter((stage) => stage.currency === 'EUR')) expected[`pipeline:${entry.stage}`] += Number(entry.amount);
      Object.entries(expected).forEach(([name, amount]) => expect([row.month, name, stageAmounts[name]]).toEqual([row.month, name, expect.closeTo(amount, 6)]));
      const total = Object.values(stageAmounts).reduce((sum, value) => sum + value, 0);
      expect(total).toBeGreaterThan(0);
      expect(row.indicators.weightedPipeline).toBeCloseTo(Number(asOf.totals.find((entry) => entry.currency === 'EUR')?.weighted ?? 0), 2);
    }
  }, 120_000);

  it('refuses a driver forecast on too short a history with a clear reason (422), and changes nothing', async () => {
    const before = (await pool.query(`SELECT count(*)::int AS n FROM "${schema}".event_log`)).rows[0].n;
    const attempt = service.forecasts.revenueForecast(shortTenantId, { horizon: 1, model: 'drivers', granularity: 'month', currency: 'EUR' });
    await expect(attempt).rejects.toBeInstanceOf(ForecastUnavailable);
    await expect(attempt).rejects.toThrow(/months of revenue history are too few for the driver regression/);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".event_log`)).rows[0].n).toBe(before);
  });

  it('includes ARIMA in the auto comparison and answers model=arima with its order', async () => {
    const auto = await service.forecasts.revenueForecast(tenantId, { horizon: 3, model: 'auto', granularity: 'month', currency: 'EUR' });
    const [group] = auto.groups as unknown as Array<{ comparison: Array<{ model: string; mase: number | null }>; skipped: Array<{ model: string }> }>;
    expect(group.comparison.map((row) => row.model)).toContain('arima');
    expect(group.skipped.map((row) => row.model)).not.toContain('arima');

    const arima = await service.forecasts.revenueForecast(tenantId, { horizon: 3, model: 'arima', granularity: 'month', currency: 'EUR' });
    const [fitted] = arima.groups as unknown as Array<{ model: string; description: string; parameters: Record<string, number>; forecast: Array<{ amount: string }>; backtest: { mase: number } }>;
    expect(fitted.model).toBe('arima');
    expect(fitted.description).toMatch(/^ARIMA\(\d,\d,\d\)/);
    expect(Object.values(fitted.parameters).every(Number.isFinite)).toBe(true);
    expect(fitted.forecast).toHaveLength(3);
    expect(fitted.forecast.every((step) => Number.isFinite(Number(step.amount)))).toBe(true);
    expect(Number.isFinite(fitted.backtest.mase)).toBe(true);
  }, 300_000);
});

import { ForecastAccuracy, forecastAccuracy } from './accuracy';
import { FORECAST_MODEL_NAMES, FittedForecastModel, ForecastModelName, PredictionIntervals, fitModel, unfitReason } from './forecast-models';

export type BacktestOptions = {
  seasonalPeriod: number;
  /** Steps forecast from every origin. */
  horizon: number;
  /** Length of the first training window. Default: two seasons when that leaves a fold, else half of what precedes the last horizon. */
  minTrain?: number;
  /** Distance between consecutive origins. Default 1. */
  step?: number;
  /** Keep only the most recent origins. Default: all. */
  maxFolds?: number;
};

export type BacktestFold = {
  /** The training window is series[0 … origin − 1]; the forecast covers series[origin … origin + horizon − 1]. */
  origin: number;
  actual: number[];
  forecast: number[];
};

export type BacktestResult = ForecastAccuracy & { model: ForecastModelName; folds: BacktestFold[] };

const defaultMinTrain = (n: number, seasonalPeriod: number, horizon: number): number =>
  seasonalPeriod > 1 && n - horizon >= 2 * seasonalPeriod ? 2 * seasonalPeriod : Math.max(2, Math.ceil((n - horizon) / 2));

/**
 * The forecast origins, most recent last: every `step` back from the last origin that still has
 * `horizon` observations after it, down to `minTrain`. Only complete horizons are scored, so every
 * step ahead carries the same weight in the pooled metrics.
 */
const origins = (n: number, options: BacktestOptions): number[] => {
  const { horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError('backtest: horizon must be a positive integer');
  const minTrain = options.minTrain ?? defaultMinTrain(n, options.seasonalPeriod, horizon);
  const step = options.step ?? 1;
  const maxFolds = options.maxFolds ?? Infinity;
  if (!Number.isInteger(step) || step < 1) throw new RangeError('backtest: step must be a positive integer');
  if (!(maxFolds >= 1)) throw new RangeError('backtest: maxFolds must be at least 1');
  const result: number[] = [];
  for (let origin = n - horizon; origin >= minTrain && result.length < maxFolds; origin -= step) result.unshift(origin);
  if (result.length === 0) throw new RangeError(`backtest: ${n} values leave no origin with ${minTrain} to train on and ${horizon} to check`);
  return result;
};

/**
 * Rolling-origin evaluation: refit on series[0 … origin − 1] at every origin, forecast `horizon`
 * steps and pool the errors (`forecastAccuracy`; MASE scaled per fold by the in-sample seasonal
 * naive MAE of that fold's training series).
 */
export const backtest = (series: readonly number[], name: ForecastModelName, options: BacktestOptions): BacktestResult => {
  const { seasonalPeriod, horizon } = options;
  const folds = origins(series.length, options).map((origin) => {
    const training = series.slice(0, origin);
    return {
      origin,
      training,
      actual: series.slice(origin, origin + horizon),
      forecast: fitModel(name, training, { seasonalPeriod }).forecast(horizon),
    };
  });
  return {
    model: name,
    ...forecastAccuracy(folds, seasonalPeriod),
    folds: folds.map(({ origin, actual, forecast }) => ({ origin, actual, forecast })),
  };
};

export type AutoForecastOptions = Omit<BacktestOptions, 'maxFolds'> & {
  /**
   * The most recent origins to compare on. Default 12: consecutive origins overlap in all but one
   * point, so more add little to the ranking while every fold refits every model.
   */
  maxFolds?: number;
  /** Models to compare; default all. */
  candidates?: readonly ForecastModelName[];
};

export type ModelComparison = Omit<BacktestResult, 'folds'> & { folds: number };

export type AutoForecastResult = {
  /** The model with the lowest backtest MASE (RMSE breaks ties; MAE ranks when no MASE is defined). */
  model: ForecastModelName;
  /** The winner refitted on the whole series. */
  fitted: FittedForecastModel;
  forecast: PredictionIntervals;
  /** Every compared model, best first. */
  comparison: ModelComparison[];
  /** Models left out, and why. */
  skipped: { model: ForecastModelName; reason: string }[];
};

const rank = (a: ModelComparison, b: ModelComparison): number => {
  if (a.mase !== null && b.mase !== null) return a.mase - b.mase || a.rmse - b.rmse;
  if (a.mase === null && b.mase === null) return a.mae - b.mae;
  return a.mase === null ? 1 : -1;
};

/**
 * `model=auto`: backtests every applicable candidate on the same origins and refits the one with the
 * lowest MASE on the whole series. A model is skipped when the shortest training window (or the
 * series) does not allow it (`unfitReason`: seasonal models need two full seasons, multiplicative
 * seasonality a positive series), or when fitting it fails.
 */
export const autoForecast = (series: readonly number[], options: AutoForecastOptions): AutoForecastResult => {
  const { seasonalPeriod, horizon } = options;
  const n = series.length;
  const minTrain = options.minTrain ?? defaultMinTrain(n, seasonalPeriod, horizon);
  const backtestOptions: BacktestOptions = { ...options, minTrain, maxFolds: options.maxFolds ?? 12 };
  const comparison: ModelComparison[] = [];
  const skipped: AutoForecastResult['skipped'] = [];
  for (const model of options.candidates ?? FORECAST_MODEL_NAMES) {
    const whole = unfitReason(model, series, seasonalPeriod);
    const firstWindow = unfitReason(model, series.slice(0, minTrain), seasonalPeriod);
    const reason = whole ?? (firstWindow ? `first backtest window (${minTrain} values): ${firstWindow}` : null);
    if (reason) {
      skipped.push({ model, reason });
      continue;
    }
    try {
      const { folds, ...metrics } = backtest(series, model, backtestOptions);
      comparison.push({ ...metrics, folds: folds.length });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      skipped.push({ model, reason: error.message });
    }
  }
  if (comparison.length === 0) throw new RangeError('autoForecast: no model can be backtested on this series');
  comparison.sort(rank);
  const winner = comparison[0].model;
  const fitted = fitModel(winner, series, { seasonalPeriod });
  return { model: winner, fitted, forecast: fitted.predict(horizon), comparison, skipped };
};

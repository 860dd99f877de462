/** One forecast origin: the history the model saw, what happened next, and what it predicted. */
export type ForecastFold = {
  training: readonly number[];
  actual: readonly number[];
  forecast: readonly number[];
};

export const MAPE_UNDEFINED_NOTE = 'undefined: the series has zeros';
export const MASE_UNDEFINED_NOTE = 'undefined: a training series is constant at the seasonal lag, so the naive scale is 0';

export type ForecastAccuracy = {
  /** Number of (origin, horizon) errors pooled. */
  count: number;
  mae: number;
  rmse: number;
  /** Mean |e|/|y| in percent; null when an actual value is 0 (see `mapeNote`). */
  mape: number | null;
  mapeNote?: typeof MAPE_UNDEFINED_NOTE;
  /** Mean 2|e|/(|y| + |ŷ|) in percent (0 … 200); a pair with y = ŷ = 0 counts as 0. */
  smape: number;
  /** Mean of |e|/q over all errors, q being the fold's scale (see `naiveScale`); null when some q is 0. */
  mase: number | null;
  maseNote?: typeof MASE_UNDEFINED_NOTE;
};

/**
 * The MASE denominator: the in-sample MAE of the seasonal naive forecast (y_t − y_{t−m}) over the
 * training series, or of the naive one (lag 1) when there is no seasonality (m = 1) or the
 * training series is not longer than one season.
 */
export const naiveScale = (training: readonly number[], seasonalPeriod: number): number => {
  const lag = seasonalPeriod > 1 && training.length > seasonalPeriod ? seasonalPeriod : 1;
  if (training.length <= lag) throw new RangeError('naiveScale: the training series needs at least two values');
  let total = 0;
  for (let t = lag; t < training.length; t++) total += Math.abs(training[t] - training[t - lag]);
  return total / (training.length - lag);
};

/**
 * Pools the errors of every fold and horizon. MASE scales each fold's errors by that fold's own
 * training scale (Hyndman & Koehler, 2006, as used for rolling-origin evaluation), so folds with
 * longer histories are not judged against a different yardstick than they were forecast from.
 */
export const forecastAccuracy = (folds: readonly ForecastFold[], seasonalPeriod: number): ForecastAccuracy => {
  let count = 0;
  let absolute = 0;
  let squared = 0;
  let percentage = 0;
  let symmetric = 0;
  let scaled = 0;
  let hasZero = false;
  let zeroScale = false;
  for (const fold of folds) {
    if (fold.actual.length !== fold.forecast.length) throw new RangeError('forecastAccuracy: actual and forecast differ in length');
    const scale = naiveScale(fold.training, seasonalPeriod);
    if (scale === 0) zeroScale = true;
    fold.actual.forEach((y, i) => {
      const prediction = fold.forecast[i];
      if (!Number.isFinite(y) || !Number.isFinite(prediction)) throw new RangeError('forecastAccuracy: non-finite value');
      const error = Math.abs(y - prediction);
      count++;
      absolute += error;
      squared += error * error;
      if (y === 0) hasZero = true;
      else percentage += error / Math.abs(y);
      const denominator = Math.abs(y) + Math.abs(prediction);
      symmetric += denominator === 0 ? 0 : (2 * error) / denominator;
      if (scale > 0) scaled += error / scale;
    });
  }
  if (count === 0) throw new RangeError('forecastAccuracy: no errors to summarise');
  return {
    count,
    mae: absolute / count,
    rmse: Math.sqrt(squared / count),
    mape: hasZero ? null : (100 * percentage) / count,
    ...(hasZero ? { mapeNote: MAPE_UNDEFINED_NOTE } : {}),
    smape: (100 * symmetric) / count,
    mase: zeroScale ? null : scaled / count,
    ...(zeroScale ? { maseNote: MASE_UNDEFINED_NOTE } : {}),
  };
};

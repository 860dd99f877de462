import { quantileSorted } from 'simple-statistics';
import { dot, solveSymmetricPositiveDefinite } from '../linear-algebra';
import { seededRandom } from '../random';
import { autoArima, describeArima } from './arima';
import {
  ExponentialSmoothingSpec,
  FittedExponentialSmoothing,
  SmoothingParams,
  fitExponentialSmoothing,
  simulateExponentialSmoothing,
} from './exponential-smoothing';

export const FORECAST_MODEL_NAMES = [
  'naive',
  'seasonal-naive',
  'moving-average',
  'ses',
  'holt',
  'holt-damped',
  'holt-winters-additive',
  'holt-winters-multiplicative',
  'linear-trend-seasonal',
  'arima',
] as const;
export type ForecastModelName = (typeof FORECAST_MODEL_NAMES)[number];

export type ForecastModelOptions = {
  /** Season length m: 12 for monthly, 52 for weekly revenue; 1 for none. */
  seasonalPeriod: number;
};

/** Point forecasts with central 80 % and 95 % prediction intervals, one entry per step ahead. */
export type PredictionIntervals = {
  mean: number[];
  lower80: number[];
  upper80: number[];
  lower95: number[];
  upper95: number[];
};

/**
 * - `analytic`: mean ± z·σ_h with the model's closed-form h-step variance;
 * - `simulation`: quantiles of 2,000 seeded simulated futures of the fitted state-space model;
 * - `empirical`: σ_h from the model's own in-sample h-step errors.
 */
export type IntervalMethod = 'analytic' | 'simulation' | 'empirical';

export type FittedForecastModel = {
  name: ForecastModelName;
  seasonalPeriod: number;
  /**
   * In-sample one-step-ahead predictions, null where the model has none yet (the first value for
   * naive, the first m for seasonal naive, …). For the regression these are its fitted values.
   */
  fitted: (number | null)[];
  /** σ of the one-step errors, sum of squares divided by (errors − estimated parameters). */
  residualStandardDeviation: number;
  /** Estimated parameters, initial states included; what the σ divisor subtracts. */
  parameterCount: number;
  /** The fitted parameters by name (smoothing parameters, window, coefficients). */
  parameters: Record<string, number>;
  intervalMethod: IntervalMethod;
  /** A readable name of the fitted specification where the model name alone does not say it (ARIMA's order). */
  description?: string;
  forecast: (h: number) => number[];
  predict: (h: number) => PredictionIntervals;
};

/** Standard normal 90 % and 97.5 % points. simple-statistics' `probit` is off by ~3e-3 here. */
const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

const SIMULATED_PATHS = 2000;
const SIMULATION_SEED = 20_240_601;

const ETS_SPECS = {
  ses: { trend: null, damped: false, seasonal: null },
  holt: { trend: 'add', damped: false, seasonal: null },
  'holt-damped': { trend: 'add', damped: true, seasonal: null },
  'holt-winters-additive': { trend: 'add', damped: false, seasonal: 'add' },
  'holt-winters-multiplicative': { trend: 'add', damped: false, seasonal: 'mul' },
} as const satisfies Record<string, Omit<ExponentialSmoothingSpec, 'seasonalPeriod'>>;

/** Whether the model uses the season length m (and so needs two full seasons of data). */
export const isSeasonalModel = (name: ForecastModelName, seasonalPeriod: number): boolean => {
  switch (name) {
    case 'seasonal-naive':
    case 'holt-winters-additive':
    case 'holt-winters-multiplicative':
      return true;
    case 'linear-trend-seasonal':
      return seasonalPeriod > 1;
    // ARIMA uses m when the series allows it (see `autoArima`) and is non-seasonal otherwise.
    case 'arima':
    case 'naive':
    case 'moving-average':
    case 'ses':
    case 'holt':
    case 'holt-damped':
      return false;
    default: {
      const unknown: never = name;
      throw new RangeError(`unknown forecast model ${String(unknown)}`);
    }
  }
};

/** Estimated parameters (smoothing, initial states, coefficients) for a series with season length m. */
const parameterCount = (name: ForecastModelName, m: number): number => {
  switch (name) {
    case 'naive':
    case 'seasonal-naive':
      return 0;
    case 'moving-average':
      return 1;
    case 'ses':
      return 2;
    case 'holt':
      return 4;
    case 'holt-damped':
      return 5;
    case 'holt-winters-additive':
    case 'holt-winters-multiplicative':
      return 3 + 2 + (m - 1);
    case 'linear-trend-seasonal':
      return 2 + Math.max(m - 1, 0);
    // The order is chosen per series; the smallest candidate with a constant estimates one.
    case 'arima':
      return 1;
    default: {
      const unknown: never = name;
      throw new RangeError(`unknown forecast model ${String(unknown)}`);
    }
  }
};

/**
 * Why `name` cannot be fitted to `series`, or null when it can. Seasonal models need two full
 * seasons; every model needs at least two more observations than it estimates parameters, so its
 * σ has some degrees of freedom; multiplicative seasonality needs a positive series.
 */
export const unfitReason = (name: ForecastModelName, series: readonly number[], seasonalPeriod: number): string | null => {
  const m = seasonalPeriod;
  const n = series.length;
  if (!Number.isInteger(m) || m < 1) return 'seasonalPeriod must be a positive integer';
  if (isSeasonalModel(name, m)) {
    if (m < 2) return 'a seasonal model needs seasonalPeriod >= 2';
    if (n < 2 * m) return `needs two full seasons (${2 * m} values), got ${n}`;
  }
  const minimum = Math.max(name === 'naive' ? 2 : 4, parameterCount(name, m) + 2);
  if (n < minimum) return `needs at least ${minimum} values, got ${n}`;
  if (name === 'holt-winters-multiplicative' && !series.every((y) => y > 0)) return 'multiplicative seasonality needs every value > 0';
  return null;
};

/** The fitted model with its horizon argument validated once, rather than in every fitter. */
const checkedHorizon = (model: FittedForecastModel): FittedForecastModel => {
  const check = (h: number) => {
    if (!Number.isInteger(h) || h < 1) throw new RangeError(`${model.name}: the horizon must be a positive integer`);
  };
  return {
    ...model,
    forecast: (h) => (check(h), model.forecast(h)),
    predict: (h) => (check(h), model.predict(h)),
  };
};

/** Running maximum: a forecast further out is never shown as more certain than a nearer one. */
const nonDecreasing = (values: readonly number[]): number[] => {
  let running = 0;
  return values.map((value) => (running = Math.max(running, value)));
};

/**
 * The Student-t quantile with ν degrees of freedom at the probability where the standard normal
 * quantile is z, by the Cornish–Fisher expansion in 1/ν (Abramowitz & Stegun 26.7.5). At the 90 %
 * and 97.5 % points: relative error under 1 % for ν ≥ 2 and under 1e-5 for ν ≥ 10.
 */
export const studentTQuantile = (z: number, nu: number): number => {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4;
};

/** Symmetric intervals mean ± q·σ_h from the h-step standard deviations; normal quantiles by default. */
const normalIntervals = (mean: number[], sds: readonly number[], quantiles = { z80: Z80, z95: Z95 }): PredictionIntervals => {
  const sd = nonDecreasing(sds);
  const { z80, z95 } = quantiles;
  return {
    mean,
    lower80: mean.map((value, i) => value - z80 * sd[i]),
    upper80: mean.map((value, i) => value + z80 * sd[i]),
    lower95: mean.map((value, i) => value - z95 * sd[i]),
    upper95: mean.map((value, i) => value + z95 * sd[i]),
  };
};

/** Box–Muller over the project's seeded uniform generator. */
export const seededNormal = (seed: number): (() => number) => {
  const uniform = seededRandom(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - uniform(); // (0, 1], so the logarithm is finite
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
};

const sigmaOf = (residuals: readonly number[], estimated: number): number => {
  const sum = residuals.reduce((total, e) => total + e * e, 0);
  return Math.sqrt(sum / Math.max(residuals.length - estimated, 1));
};

const fitNaive = (series: readonly number[], m: number): FittedForecastModel => {
  const n = series.length;
  const residuals = series.slice(1).map((y, i) => y - series[i]);
  const sigma = sigmaOf(residuals, 0);
  const forecast = (h: number) => new Array<number>(h).fill(series[n - 1]);
  return {
    name: 'naive',
    seasonalPeriod: m,
    fitted: series.map((_, t) => (t === 0 ? null : series[t - 1])),
    residualStandardDeviation: sigma,
    parameterCount: 0,
    parameters: {},
    intervalMethod: 'analytic',
    forecast,
    // A random walk: the h-step error is a sum of h independent one-step errors.
    predict: (h) => normalIntervals(forecast(h), forecast(h).map((_, i) => sigma * Math.sqrt(i + 1))),
  };
};

const fitSeasonalNaive = (series: readonly number[], m: number): FittedForecastModel => {
  const n = series.length;
  const residuals = series.slice(m).map((y, i) => y - series[i]);
  const sigma = sigmaOf(residuals, 0);
  const forecast = (h: number) => Array.from({ length: h }, (_, i) => series[n - m + (i % m)]);
  return {
    name: 'seasonal-naive',
    seasonalPeriod: m,
    fitted: series.map((_, t) => (t < m ? null : series[t - m])),
    residualStandardDeviation: sigma,
    parameterCount: 0,
    parameters: {},
    intervalMethod: 'analytic',
    forecast,
    // A seasonal random walk: step h accumulates one error per full season crossed, ⌊(h−1)/m⌋ + 1.
    predict: (h) => normalIntervals(forecast(h), forecast(h).map((_, i) => sigma * Math.sqrt(Math.floor(i / m) + 1))),
  };
};

/**
 * The window k ∈ 2 … K (K = max(m, 6), at most n/2) with the smallest one-step SSE, all windows
 * scored on the same observations t ≥ K so that shorter windows are not favoured by scoring more.
 * The moving average is not a statistical model, so its intervals come from its own in-sample
 * h-step errors (every origin t ≥ k with an observation h steps on), root mean square per h; a
 * horizon beyond what the series can check extrapolates the last checked σ_h by √h.
 */
const fitMovingAverage = (series: readonly number[], m: number): FittedForecastModel => {
  const n = series.length;
  const prefix = [0];
  series.forEach((y) => prefix.push(prefix[prefix.length - 1] + y));
  const windowMean = (end: number, k: number) => (prefix[end] - prefix[end - k]) / k;
  const largest = Math.max(2, Math.min(Math.max(m, 6), Math.floor(n / 2)));
  let window = 2;
  let bestSse = Infinity;
  for (let k = 2; k <= largest; k++) {
    let sse = 0;
    for (let t = largest; t < n; t++) sse += (series[t] - windowMean(t, k)) ** 2;
    if (sse < bestSse) [window, bestSse] = [k, sse];
  }
  const fitted = series.map((_, t) => (t < window ? null : windowMean(t, window)));
  const residuals = series.slice(window).map((y, i) => y - windowMean(window + i, window));
  const sigma = sigmaOf(residuals, 1);
  const level = windowMean(n, window);
  const forecast = (h: number) => new Array<number>(h).fill(level);
  const hStepSds = (h: number): number[] => {
    const sds: number[] = [];
    let lastChecked = { step: 1, sd: sigma };
    for (let step = 1; step <= h; step++) {
      let sum = 0;
      let count = 0;
      for (let origin = window; origin + step - 1 < n; origin++) {
        sum += (series[origin + step - 1] - windowMean(origin, window)) ** 2;
        count++;
      }
      if (count >= 2) {
        lastChecked = { step, sd: Math.sqrt(sum / count) };
        sds.push(lastChecked.sd);
      } else sds.push(lastChecked.sd * Math.sqrt(step / lastChecked.step));
    }
    return sds;
  };
  return {
    name: 'moving-average',
    seasonalPeriod: m,
    fitted,
    residualStandardDeviation: sigma,
    parameterCount: 1,
    parameters: { window },
    intervalMethod: 'empirical',
    forecast,
    predict: (h) => normalIntervals(forecast(h), hStepSds(h)),
  };
};

/**
 * h-step forecast standard deviations of exponential smoothing read as ETS with additive errors
 * and no multiplicative seasonality (Hyndman et al. 2008, class 1):
 *   σ_h² = σ²·(1 + Σ_{j=1}^{h−1} c_j²),  c_j = α + α·β·(φ + … + φ^j) + γ·[j ≡ 0 mod m],
 * with this module's component-form β (statsmodels' `smoothing_trend`), so α·β is the
 * state-space β, and γ as used in s_t = γ·(y_t − base_t) + (1 − γ)·s_{t−m}.
 */
export const etsForecastStandardDeviations = (spec: ExponentialSmoothingSpec, params: SmoothingParams, sigma: number, h: number): number[] => {
  if (spec.seasonal === 'mul') throw new RangeError('etsForecastStandardDeviations: multiplicative seasonality has no closed form here');
  const { alpha, beta = 0, gamma = 0 } = params;
  const phi = spec.damped ? (params.phi ?? 1) : 1;
  const m = spec.seasonalPeriod ?? 1;
  const sds: number[] = [];
  let variance = 1;
  let dampedSteps = 0;
  for (let j = 1; j <= h; j++) {
    sds.push(sigma * Math.sqrt(variance));
    dampedSteps += phi ** j;
    const c = alpha + (spec.trend ? alpha * beta * dampedSteps : 0) + (spec.seasonal && j % m === 0 ? gamma : 0);
    variance += c * c;
  }
  return sds;
};

/**
 * Exponential smoothing fitted by one-step SSE (see `fitExponentialSmoothing`), σ² = SSE/(n − k)
 * with k the estimated parameters. Intervals: analytic (`etsForecastStandardDeviations`) without
 * multiplicative seasonality; with it, quantiles of simulated futures of the fitted model with
 * Gaussian errors (seeded, so reproducible), as the h-step variance has no simple closed form.
 */
const fitEts = (name: keyof typeof ETS_SPECS, series: readonly number[], m: number): FittedForecastModel => {
  const spec: ExponentialSmoothingSpec = { ...ETS_SPECS[name], ...(ETS_SPECS[name].seasonal ? { seasonalPeriod: m } : {}) };
  const fit: FittedExponentialSmoothing = fitExponentialSmoothing(series, spec);
  const sigma = sigmaOf(fit.residuals, fit.parameterCount);
  const simulated = (h: number): PredictionIntervals => {
    const mean = fit.forecast(h);
    const paths = simulateExponentialSmoothing(fit, h, sigma, SIMULATED_PATHS, seededNormal(SIMULATION_SEED));
    const quantilesAt = (step: number) => {
      const sorted = paths.map((path) => path[step]).sort((a, b) => a - b);
      return [0.025, 0.1, 0.9, 0.975].map((p) => quantileSorted(sorted, p));
    };
    const quantiles = mean.map((_, step) => quantilesAt(step));
    // Half-widths below and above the point forecast, each made non-decreasing in h and at least 0.
    const below95 = nonDecreasing(quantiles.map(([q025], i) => Math.max(mean[i] - q025, 0)));
    const below80 = nonDecreasing(quantiles.map(([, q10], i) => Math.max(mean[i] - q10, 0)));
    const above80 = nonDecreasing(quantiles.map(([, , q90], i) => Math.max(q90 - mean[i], 0)));
    const above95 = nonDecreasing(quantiles.map(([, , , q975], i) => Math.max(q975 - mean[i], 0)));
    return {
      mean,
      lower80: mean.map((value, i) => value - below80[i]),
      upper80: mean.map((value, i) => value + above80[i]),
      lower95: mean.map((value, i) => value - Math.max(below95[i], below80[i])),
      upper95: mean.map((value, i) => value + Math.max(above95[i], above80[i])),
    };
  };
  return {
    name,
    seasonalPeriod: m,
    fitted: fit.fitted,
    residualStandardDeviation: sigma,
    parameterCount: fit.parameterCount,
    parameters: { ...fit.params },
    intervalMethod: spec.seasonal === 'mul' ? 'simulation' : 'analytic',
    forecast: fit.forecast,
    predict: (h) =>
      spec.seasonal === 'mul' ? simulated(h) : normalIntervals(fit.forecast(h), etsForecastStandardDeviations(spec, fit.params, sigma, h)),
  };
};

/**
 * y_t = a + b·(t − t̄) + Σ_j d_j·[t ≡ j mod m] (j = 1 … m−1; phase 0, the first observation's
 * season, is the baseline) by least squares, which is also its one-step SSE minimum. Intervals are
 * the regression's: ŷ ± t_{n−p}·σ·√(1 + x₀ᵀ(XᵀX)⁻¹x₀) with σ² = SSE/(n − p). Student's t matters
 * here: two seasons of data leave m − 1 degrees of freedom, where t is ~12 % above the normal.
 */
const fitLinearTrendSeasonal = (series: readonly number[], m: number): FittedForecastModel => {
  const n = series.length;
  const centre = (n - 1) / 2;
  const dummies = m > 1 ? m - 1 : 0;
  const row = (t: number): number[] => [1, t - centre, ...Array.from({ length: dummies }, (_, j) => (t % m === j + 1 ? 1 : 0))];
  const rows = series.map((_, t) => row(t));
  const p = rows[0].length;
  const gram = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => rows.reduce((sum, x) => sum + x[a] * x[b], 0)));
  const moment = Array.from({ length: p }, (_, a) => rows.reduce((sum, x, t) => sum + x[a] * series[t], 0));
  const { solution: coefficients } = solveSymmetricPositiveDefinite(gram, moment);
  const fitted = rows.map((x) => dot(x, coefficients));
  const sigma = sigmaOf(
    series.map((y, t) => y - fitted[t]),
    p,
  );
  const degreesOfFreedom = Math.max(n - p, 1);
  const forecast = (h: number) => Array.from({ length: h }, (_, i) => dot(row(n + i), coefficients));
  const sds = (h: number) =>
    Array.from({ length: h }, (_, i) => {
      const x = row(n + i);
      const leverage = dot(x, solveSymmetricPositiveDefinite(gram, x).solution);
      return sigma * Math.sqrt(1 + leverage);
    });
  const parameters: Record<string, number> = { intercept: coefficients[0] - coefficients[1] * centre, slope: coefficients[1] };
  for (let j = 1; j <= dummies; j++) parameters[`season${j}`] = coefficients[1 + j];
  return {
    name: 'linear-trend-seasonal',
    seasonalPeriod: m,
    fitted,
    residualStandardDeviation: sigma,
    parameterCount: p,
    parameters,
    intervalMethod: 'analytic',
    forecast,
    predict: (h) => normalIntervals(forecast(h), sds(h), { z80: studentTQuantile(Z80, degreesOfFreedom), z95: studentTQuantile(Z95, degreesOfFreedom) }),
  };
};

/**
 * Seasonal ARIMA with the order chosen by AICc (`autoArima`), fitted by conditional maximum
 * likelihood; intervals from the ψ-weights, σ_h² = σ²·Σ_{j<h} ψ_j², with σ² = CSS/(n − k).
 */
const fitArimaModel = (series: readonly number[], m: number): FittedForecastModel => {
  const fit = autoArima(series, { seasonalPeriod: m });
  const { spec, coefficients } = fit;
  const parameters: Record<string, number> = { p: spec.p, d: spec.d, q: spec.q, P: spec.P, D: spec.D, Q: spec.Q };
  coefficients.ar.forEach((value, i) => (parameters[`ar${i + 1}`] = value));
  coefficients.ma.forEach((value, i) => (parameters[`ma${i + 1}`] = value));
  coefficients.seasonalAr.forEach((value, i) => (parameters[`sar${i + 1}`] = value));
  coefficients.seasonalMa.forEach((value, i) => (parameters[`sma${i + 1}`] = value));
  if (spec.constant) parameters[spec.d + spec.D === 0 ? 'mean' : 'drift'] = coefficients.constant;
  return {
    name: 'arima',
    seasonalPeriod: m,
    fitted: fit.fitted,
    residualStandardDeviation: Math.sqrt(fit.sigma2),
    parameterCount: fit.coefficientCount,
    parameters,
    description: describeArima(spec),
    intervalMethod: 'analytic',
    forecast: fit.forecast,
    predict: (h) => {
      const { mean, sd } = fit.predict(h);
      return normalIntervals(mean, sd);
    },
  };
};

/** Fits one named model; throws a RangeError saying why when the series does not allow it. */
export const fitModel = (name: ForecastModelName, series: readonly number[], { seasonalPeriod }: ForecastModelOptions): FittedForecastModel => {
  if (!series.every(Number.isFinite)) throw new RangeError('fitModel: the series has non-finite values');
  const reason = unfitReason(name, series, seasonalPeriod);
  if (reason) throw new RangeError(`fitModel(${name}): ${reason}`);
  switch (name) {
    case 'naive':
      return checkedHorizon(fitNaive(series, seasonalPeriod));
    case 'seasonal-naive':
      return checkedHorizon(fitSeasonalNaive(series, seasonalPeriod));
    case 'moving-average':
      return checkedHorizon(fitMovingAverage(series, seasonalPeriod));
    case 'ses':
    case 'holt':
    case 'holt-damped':
    case 'holt-winters-additive':
    case 'holt-winters-multiplicative':
      return checkedHorizon(fitEts(name, series, seasonalPeriod));
    case 'linear-trend-seasonal':
      return checkedHorizon(fitLinearTrendSeasonal(series, seasonalPeriod));
    case 'arima':
      return checkedHorizon(fitArimaModel(series, seasonalPeriod));
    default: {
      const unknown: never = name;
      throw new RangeError(`fitModel: unknown model ${String(unknown)}`);
    }
  }
};

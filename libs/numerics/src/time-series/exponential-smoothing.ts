import { solveSymmetricPositiveDefinite } from '../linear-algebra';
import { nelderMead } from './nelder-mead';

/**
 * Holt–Winters exponential smoothing in component form, with statsmodels' conventions: initial
 * states are those at time −1, `initial.seasonal[j]` is the seasonal state of time j − m, and
 * base_t = l_{t−1} + φ·b_{t−1} (φ = 1 when not damped):
 *   ŷ_t = base_t (+ or ×) s_{t−m}
 *   l_t = α·(y_t (− or ÷) s_{t−m}) + (1 − α)·base_t
 *   b_t = β·(l_t − l_{t−1}) + (1 − β)·φ·b_{t−1}
 *   s_t = γ·(y_t (− or ÷) base_t) + (1 − γ)·s_{t−m}
 */
export type ExponentialSmoothingSpec = {
  trend: 'add' | null;
  /** Damped trend (needs `trend: 'add'` and `params.phi`). */
  damped: boolean;
  seasonal: 'add' | 'mul' | null;
  /** Season length m (12 for monthly, 52 for weekly data); required when `seasonal` is set. */
  seasonalPeriod?: number;
};

export type SmoothingParams = {
  alpha: number;
  /** Trend smoothing; required with a trend. */
  beta?: number;
  /** Seasonal smoothing; required with a seasonal component. */
  gamma?: number;
  /** Damping; required when damped. */
  phi?: number;
};

export type InitialStates = {
  /** Level at time −1. */
  level: number;
  /** Trend at time −1; required with a trend. */
  trend?: number | null;
  /** `seasonal[j]` is the seasonal state of time j − m; exactly m values, required with a seasonal component. */
  seasonal?: readonly number[] | null;
};

/** States after the update at each time t = 0 … n−1. */
export type ExponentialSmoothingStates = {
  level: number[];
  trend: number[] | null;
  seasonal: number[] | null;
};

export type ExponentialSmoothingResult = {
  /** `fitted[t]` is the one-step-ahead prediction of `series[t]`. */
  fitted: number[];
  /** series[t] − fitted[t]. */
  residuals: number[];
  /** Sum of squared one-step errors. */
  sse: number;
  states: ExponentialSmoothingStates;
  /** Point forecasts for the h steps after the last observation. */
  forecast: (h: number) => number[];
};

/** The spec and parameters with every optional part resolved, as the recursion consumes them. */
type Resolved = {
  trend: boolean;
  seasonal: 'add' | 'mul' | null;
  m: number;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
};

type Trace = { fitted: number[]; level: number[]; trend: number[]; seasonal: number[] };

type EndState = { level: number; trend: number; sse: number };

/**
 * The recursion itself, shared by the public evaluator and the fitter's inner loop (hence typed
 * arrays and optional outputs: the fitter runs it tens of thousands of times per fit).
 * `ring[p]` holds the latest seasonal state of phase p (time ≡ p mod m) and is updated in place.
 */
const recurse = (
  series: ArrayLike<number>,
  model: Resolved,
  level0: number,
  trend0: number,
  ring: Float64Array,
  residuals: Float64Array | null,
  trace: Trace | null,
): EndState => {
  const { alpha, beta, gamma, phi, trend: hasTrend, seasonal, m } = model;
  let level = level0;
  let trend = hasTrend ? trend0 : 0;
  let sse = 0;
  for (let t = 0; t < series.length; t++) {
    const y = series[t];
    const base = level + phi * trend;
    const phase = seasonal ? t % m : 0;
    const previousSeason = seasonal ? ring[phase] : 0;
    let prediction: number;
    let newLevel: number;
    if (seasonal === 'add') {
      prediction = base + previousSeason;
      newLevel = alpha * (y - previousSeason) + (1 - alpha) * base;
      ring[phase] = gamma * (y - base) + (1 - gamma) * previousSeason;
    } else if (seasonal === 'mul') {
      prediction = base * previousSeason;
      newLevel = alpha * (y / previousSeason) + (1 - alpha) * base;
      ring[phase] = gamma * (y / base) + (1 - gamma) * previousSeason;
    } else {
      prediction = base;
      newLevel = alpha * y + (1 - alpha) * base;
    }
    if (hasTrend) trend = beta * (newLevel - level) + (1 - beta) * phi * trend;
    level = newLevel;
    const error = y - prediction;
    sse += error * error;
    if (residuals) residuals[t] = error;
    if (trace) {
      trace.fitted.push(prediction);
      trace.level.push(level);
      trace.trend.push(trend);
      if (seasonal) trace.seasonal.push(ring[phase]);
    }
  }
  return { level, trend, sse };
};

/** Σ a[offsetA + t]·b[offsetB + t] for t < n; offsets rather than subarray views, which allocate. */
const innerProduct = (a: Float64Array, offsetA: number, b: Float64Array, offsetB: number, n: number): number => {
  let sum = 0;
  for (let t = 0; t < n; t++) sum += a[offsetA + t] * b[offsetB + t];
  return sum;
};

const forecastFrom = (end: EndState, ring: Float64Array, model: Resolved, n: number, h: number): number[] => {
  if (!Number.isInteger(h) || h < 0) throw new RangeError('forecast: h must be a non-negative integer');
  const out: number[] = [];
  let dampedSteps = 0;
  let power = 1;
  for (let k = 1; k <= h; k++) {
    power *= model.phi;
    dampedSteps += power;
    const base = end.level + (model.trend ? dampedSteps * end.trend : 0);
    const season = model.seasonal ? ring[(n - 1 + k) % model.m] : 0;
    out.push(model.seasonal === 'mul' ? base * season : base + season);
  }
  return out;
};

const checkSeries = (name: string, series: readonly number[], minimum: number): void => {
  if (series.length < minimum) throw new RangeError(`${name}: needs at least ${minimum} observations, got ${series.length}`);
  if (!series.every(Number.isFinite)) throw new RangeError(`${name}: the series has non-finite values`);
};

const seasonLength = (name: string, spec: ExponentialSmoothingSpec): number => {
  if (!spec.seasonal) return 1;
  const m = spec.seasonalPeriod;
  if (m === undefined || !Number.isInteger(m) || m < 2) throw new RangeError(`${name}: a seasonal model needs an integer seasonalPeriod >= 2`);
  return m;
};

const checkSpec = (name: string, spec: ExponentialSmoothingSpec): void => {
  if (spec.damped && spec.trend !== 'add') throw new RangeError(`${name}: damping needs an additive trend`);
};

const requireFinite = (name: string, what: string, value: number | null | undefined): number => {
  if (value === undefined || value === null || !Number.isFinite(value)) throw new RangeError(`${name}: ${what} is required and must be finite`);
  return value;
};

/** Runs the recursion with fixed parameters and initial states (statsmodels' "known" initialisation). */
export const exponentialSmoothing = (
  series: readonly number[],
  spec: ExponentialSmoothingSpec,
  params: SmoothingParams,
  initial: InitialStates,
): ExponentialSmoothingResult => {
  const name = 'exponentialSmoothing';
  checkSeries(name, series, 1);
  checkSpec(name, spec);
  const m = seasonLength(name, spec);
  const model: Resolved = {
    trend: spec.trend === 'add',
    seasonal: spec.seasonal,
    m,
    alpha: requireFinite(name, 'alpha', params.alpha),
    beta: spec.trend ? requireFinite(name, 'beta', params.beta) : 0,
    gamma: spec.seasonal ? requireFinite(name, 'gamma', params.gamma) : 0,
    phi: spec.damped ? requireFinite(name, 'phi', params.phi) : 1,
  };
  const ring = new Float64Array(m);
  if (spec.seasonal) {
    const seasonal = initial.seasonal;
    if (!seasonal || seasonal.length !== m || !seasonal.every(Number.isFinite)) {
      throw new RangeError(`${name}: initial.seasonal must hold ${m} finite values`);
    }
    ring.set(seasonal);
  }
  const level0 = requireFinite(name, 'initial.level', initial.level);
  const trend0 = spec.trend ? requireFinite(name, 'initial.trend', initial.trend) : 0;

  const trace: Trace = { fitted: [], level: [], trend: [], seasonal: [] };
  const end = recurse(series, model, level0, trend0, ring, null, trace);
  const finalRing = Float64Array.from(ring);
  return {
    fitted: trace.fitted,
    residuals: series.map((y, t) => y - trace.fitted[t]),
    sse: end.sse,
    states: { level: trace.level, trend: spec.trend ? trace.trend : null, seasonal: spec.seasonal ? trace.seasonal : null },
    forecast: (h) => forecastFrom(end, finalRing, model, series.length, h),
  };
};

export type FittedExponentialSmoothing = ExponentialSmoothingResult & {
  spec: ExponentialSmoothingSpec;
  params: SmoothingParams;
  initial: InitialStates;
  /** Smoothing parameters plus free initial states (m − 1 seasonal ones, given their normalisation). */
  parameterCount: number;
};

export type FitExponentialSmoothingOptions = {
  /** Nelder–Mead evaluations per start. Default 150 per smoothing parameter. */
  maxEvaluationsPerStart?: number;
};

/** Bounds as statsmodels' Holt–Winters fitter uses them, see `fitExponentialSmoothing`. */
const PHI_BOUNDS = [0.8, 0.98] as const;
/**
 * Nelder–Mead stops once the SSE agrees to 1e-6 relative across the simplex and the smoothing
 * parameters to 1e-3: the SSE is flat near its minimum, so tighter settings double the cost of
 * every fit (backtests refit at every origin) for changes in the 7th digit of the SSE.
 */
const TOLERANCE = { value: 1e-6, point: 1e-3 };

/**
 * Where Levenberg–Marquardt starts for multiplicative seasonality: the first season's mean as the
 * level, the change of the seasonal mean between the first two seasons as the trend, and the first
 * season's ratios to that line as the seasonal states, normalised to mean 1. (Additive models need
 * no start: their initial states are solved for exactly.)
 */
const heuristicStates = (
  series: readonly number[],
  spec: ExponentialSmoothingSpec,
  m: number,
): { level: number; trend: number; seasonal: number[] } => {
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  if (!spec.seasonal) {
    const trend = spec.trend && series.length > 1 ? series[1] - series[0] : 0;
    return { level: series[0] - trend, trend, seasonal: [] };
  }
  const first = mean(series.slice(0, m));
  const trend = spec.trend && series.length >= 2 * m ? (mean(series.slice(m, 2 * m)) - first) / m : 0;
  const line = (j: number) => first + trend * (j - (m - 1) / 2);
  let seasonal = series.slice(0, m).map((y, j) => (spec.seasonal === 'mul' ? y / line(j) : y - line(j)));
  const centre = mean(seasonal);
  seasonal = seasonal.map((s) => (spec.seasonal === 'mul' ? s / centre : s - centre));
  return { level: first - trend * ((m + 1) / 2), trend, seasonal };
};

/**
 * Fits smoothing parameters and initial states by minimising the one-step SSE.
 *
 * The search is split in two because the initial states are many (m + 1 with a monthly season)
 * while the smoothing parameters are at most four:
 * - outside, Nelder–Mead over α ∈ [0, 1], β = α·β* with β* ∈ [0, 1], γ = (1 − α)·γ* with
 *   γ* ∈ [0, 1] and φ ∈ [0.8, 0.98] (statsmodels' constraints β ≤ α and γ ≤ 1 − α; the
 *   reference's optimum for Holt sits on β = α), from three starts and a final restart at the best;
 * - inside, for given smoothing parameters, the initial states that minimise the SSE. Without
 *   multiplicative seasonality every one-step error is affine in the initial states, so one
 *   least-squares solve is exact (see `exactStates`); with it, Levenberg–Marquardt on a
 *   finite-difference Jacobian, warm-started from the previous point (one iteration per point
 *   during the search, to convergence at the end).
 * Seasonal states are normalised (sum 0, or mean 1 when multiplicative): shifting them against the
 * level changes no prediction, so that direction is not identified by the data.
 */
export const fitExponentialSmoothing = (
  series: readonly number[],
  spec: ExponentialSmoothingSpec,
  options: FitExponentialSmoothingOptions = {},
): FittedExponentialSmoothing => {
  const name = 'fitExponentialSmoothing';
  checkSpec(name, spec);
  const m = seasonLength(name, spec);
  checkSeries(name, series, spec.seasonal ? 2 * m : 3);
  if (spec.seasonal === 'mul' && !series.every((y) => y > 0)) throw new RangeError(`${name}: multiplicative seasonality needs a positive series`);

  const n = series.length;
  const hasTrend = spec.trend === 'add';
  const free = 1 + (hasTrend ? 1 : 0) + (spec.seasonal ? m - 1 : 0);
  const heuristic = heuristicStates(series, spec, m);
  const scale = Math.max(series.reduce((sum, y) => sum + Math.abs(y), 0) / n, 1e-12);

  const packStates = (level: number, trend: number, seasonal: readonly number[]): number[] => [
    level,
    ...(hasTrend ? [trend] : []),
    ...seasonal.slice(0, spec.seasonal ? m - 1 : 0),
  ];
  const ring = new Float64Array(m);
  /** Writes θ's seasonal part, completed by the normalisation, into `ring`. */
  const unpackSeasonal = (theta: readonly number[]): void => {
    if (!spec.seasonal) return;
    const offset = hasTrend ? 2 : 1;
    let sum = 0;
    for (let j = 0; j < m - 1; j++) {
      ring[j] = theta[offset + j];
      sum += ring[j];
    }
    ring[m - 1] = (spec.seasonal === 'mul' ? m : 0) - sum;
  };
  const run = (model: Resolved, theta: readonly number[], residuals: Float64Array | null): number => {
    unpackSeasonal(theta);
    return recurse(series, model, theta[0], hasTrend ? theta[1] : 0, ring, residuals, null).sse;
  };

  const current = new Float64Array(n);
  const shifted = new Float64Array(n);
  /** Jacobian column k at jacobian[k·n … k·n + n − 1]; one flat buffer, reused by every call. */
  const jacobian = new Float64Array(free * n);
  /** JᵀJ and Jᵀr of the residuals r(θ), J by forward differences (multiplicative seasonality). */
  const normalEquations = (model: Resolved, theta: readonly number[], steps: readonly number[]): { gram: number[][]; gradient: number[] } => {
    run(model, theta, current);
    const trial = [...theta];
    for (let k = 0; k < free; k++) {
      trial[k] = theta[k] + steps[k];
      run(model, trial, shifted);
      trial[k] = theta[k];
      const offset = k * n;
      const inverseStep = 1 / steps[k];
      for (let t = 0; t < n; t++) jacobian[offset + t] = (shifted[t] - current[t]) * inverseStep;
    }
    const gram: number[][] = [];
    const gradient: number[] = [];
    for (let a = 0; a < free; a++) {
      gradient.push(innerProduct(jacobian, a * n, current, 0, n));
      const row: number[] = [];
      for (let b = 0; b <= a; b++) row.push(innerProduct(jacobian, a * n, jacobian, b * n, n));
      gram.push(row);
    }
    // Mirror the lower triangle (Cholesky only reads it, but callers may scale the diagonal).
    for (let a = 0; a < free; a++) for (let b = a + 1; b < free; b++) gram[a].push(gram[b][a]);
    return { gram, gradient };
  };

  type States = { theta: number[]; sse: number };
  const start = packStates(heuristic.level, heuristic.trend, heuristic.seasonal);
  // Without multiplicative seasonality the recursion is linear and time-invariant, so the
  // one-step errors are r(θ) = r₀ + J·θ, where r₀ are the errors from all-zero initial states and
  // column k of J is the error response of the series-free system (y = 0) to a unit initial
  // state k. A unit initial seasonal state of phase j first acts at time j and then evolves exactly
  // as phase 0 does from time 0: its column is the phase-0 response g shifted by j. So JᵀJ comes
  // from lagged products of g (O(m·n) rather than O(m²·n)), which is what keeps weekly seasons
  // (m = 52) affordable.
  const zeros = new Float64Array(n);
  const baseErrors = new Float64Array(n);
  const levelResponse = new Float64Array(n);
  const trendResponse = new Float64Array(n);
  const seasonResponse = new Float64Array(n);
  const exactStates = (model: Resolved): States => {
    const respond = (series: ArrayLike<number>, level: number, trend: number, season: number, into: Float64Array) => {
      ring.fill(0);
      ring[0] = season;
      recurse(series, model, level, trend, ring, into, null);
    };
    respond(series, 0, 0, 0, baseErrors);
    respond(zeros, 1, 0, 0, levelResponse);
    const dense = [levelResponse];
    if (hasTrend) {
      respond(zeros, 0, 1, 0, trendResponse);
      dense.push(trendResponse);
    }
    const seasons = spec.seasonal ? m : 0;
    if (seasons) respond(zeros, 0, 0, 1, seasonResponse);
    const g = seasonResponse;
    // Column k: dense[k] for the level (and trend), then g shifted by j for seasonal phase j.
    const size = dense.length + seasons;
    const gram = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    const gradient = new Array<number>(size).fill(0);
    const shiftedProduct = (column: Float64Array, shift: number) => {
      let sum = 0;
      for (let t = shift; t < n; t++) sum += column[t] * g[t - shift];
      return sum;
    };
    dense.forEach((a, i) => {
      gradient[i] = -innerProduct(a, 0, baseErrors, 0, n);
      dense.forEach((b, j) => (gram[i][j] = innerProduct(a, 0, b, 0, n)));
      for (let j = 0; j < seasons; j++) gram[i][dense.length + j] = gram[dense.length + j][i] = shiftedProduct(a, j);
    });
    if (seasons) {
      // lagged[d][L] = Σ_{u<L} g[u]·g[u+d]; the columns of phases i ≤ j overlap on n − j points.
      const lagged = Array.from({ length: seasons }, (_, d) => {
        const sums = new Float64Array(n - d + 1);
        for (let u = 0; u + d < n; u++) sums[u + 1] = sums[u] + g[u] * g[u + d];
        return sums;
      });
      for (let i = 0; i < seasons; i++) {
        gradient[dense.length + i] = -shiftedProduct(baseErrors, i);
        for (let j = i; j < seasons; j++) gram[dense.length + i][dense.length + j] = gram[dense.length + j][dense.length + i] = lagged[j - i][n - j];
      }
      // Shifting every seasonal state by c and the level by −c changes no prediction, so JᵀJ is
      // singular along that direction; the penalty λ·(Σ s)² picks the normalised solution (Σ s = 0)
      // on it without changing the SSE anywhere.
      let penalty = 0;
      for (let k = 0; k < size; k++) penalty += gram[k][k] / size;
      for (let i = 0; i < seasons; i++) for (let j = 0; j < seasons; j++) gram[dense.length + i][dense.length + j] += penalty;
    }
    const { solution } = solveSymmetricPositiveDefinite(gram, gradient);
    // θ keeps the first m − 1 seasonal states; the last is implied by the normalisation.
    const theta = solution.slice(0, size - (seasons ? 1 : 0));
    return { theta, sse: run(model, theta, null) };
  };

  // Levenberg–Marquardt, warm-started from the last solution: Nelder–Mead's successive points are
  // close, so one iteration per point suffices during the search; the final states are converged.
  let warm = start;
  const marquardtStates = (model: Resolved, maxIterations: number): States => {
    let theta = warm;
    let sse = run(model, theta, null);
    if (!Number.isFinite(sse)) {
      theta = start;
      sse = run(model, theta, null);
    }
    let damping = 1e-4;
    for (let iteration = 0; iteration < maxIterations && Number.isFinite(sse); iteration++) {
      const steps = theta.map((value, k) => 1e-7 * Math.max(Math.abs(value), k < (hasTrend ? 2 : 1) ? scale : 1));
      const { gram, gradient } = normalEquations(model, theta, steps);
      let gain = 0;
      for (; damping < 1e12; damping *= 10) {
        for (let k = 0; k < free; k++) gram[k][k] *= 1 + damping;
        const { solution } = solveSymmetricPositiveDefinite(gram, gradient);
        for (let k = 0; k < free; k++) gram[k][k] /= 1 + damping;
        const trial = theta.map((value, k) => value - solution[k]);
        const trialSse = run(model, trial, null);
        if (trialSse < sse) {
          gain = (sse - trialSse) / sse;
          [theta, sse] = [trial, trialSse];
          damping = Math.max(damping / 10, 1e-12);
          break;
        }
      }
      if (!(gain > 1e-12)) break;
    }
    if (Number.isFinite(sse)) warm = theta;
    return { theta, sse };
  };
  const searchStates = (model: Resolved): States => (spec.seasonal === 'mul' ? marquardtStates(model, 1) : exactStates(model));
  const finalStates = (model: Resolved): States => (spec.seasonal === 'mul' ? marquardtStates(model, 100) : exactStates(model));

  // The outer variables u = [α, β*, γ*, φ], each present only when the model has that component.
  const lower = [0, ...(hasTrend ? [0] : []), ...(spec.seasonal ? [0] : []), ...(spec.damped ? [PHI_BOUNDS[0]] : [])];
  const upper = [1, ...(hasTrend ? [1] : []), ...(spec.seasonal ? [1] : []), ...(spec.damped ? [PHI_BOUNDS[1]] : [])];
  const resolve = (u: readonly number[]): Resolved => {
    let k = 1;
    const alpha = u[0];
    const beta = hasTrend ? alpha * u[k++] : 0;
    const gamma = spec.seasonal ? (1 - alpha) * u[k++] : 0;
    const phi = spec.damped ? u[k++] : 1;
    return { trend: hasTrend, seasonal: spec.seasonal, m, alpha, beta, gamma, phi };
  };
  const objective = (u: readonly number[]) => searchStates(resolve(u)).sse;

  const starts = [0.1, 0.4, 0.8].map((alpha) => [alpha, ...(hasTrend ? [0.2] : []), ...(spec.seasonal ? [0.2] : []), ...(spec.damped ? [0.9] : [])]);
  const budget = options.maxEvaluationsPerStart ?? 150 * lower.length;
  const search = { lower, upper, maxEvaluations: budget, valueTolerance: TOLERANCE.value, pointTolerance: TOLERANCE.point };
  let best = { x: starts[0], value: Infinity };
  for (const point of starts) {
    const result = nelderMead(objective, point, search);
    if (result.value < best.value) best = result;
  }
  // Converge the initial states at the best point first, so the restart searches from there.
  best = { ...best, value: finalStates(resolve(best.x)).sse };
  const polished = nelderMead(objective, best.x, search);
  if (polished.value <= best.value) best = polished;
  if (!Number.isFinite(best.value)) throw new RangeError(`${name}: no parameters give a finite SSE`);

  const model = resolve(best.x);
  const { theta } = finalStates(model);
  unpackSeasonal(theta);
  const params: SmoothingParams = {
    alpha: model.alpha,
    ...(hasTrend ? { beta: model.beta } : {}),
    ...(spec.seasonal ? { gamma: model.gamma } : {}),
    ...(spec.damped ? { phi: model.phi } : {}),
  };
  const initial: InitialStates = {
    level: theta[0],
    trend: hasTrend ? theta[1] : null,
    seasonal: spec.seasonal ? Array.from(ring) : null,
  };
  return { ...exponentialSmoothing(series, spec, params, initial), spec, params, initial, parameterCount: lower.length + free };
};

/**
 * Future paths of the fitted model as a state-space model with additive Gaussian errors
 * (ETS(A,·,·), the error the SSE fit assumes): each step draws y = ŷ + σ·z and updates the states
 * with the same recursion. Returns `paths` rows of h values. For multiplicative seasonality, where
 * the h-step variance has no simple closed form, the prediction intervals are quantiles of these.
 */
export const simulateExponentialSmoothing = (
  fit: Pick<FittedExponentialSmoothing, 'spec' | 'params' | 'states'>,
  h: number,
  sigma: number,
  paths: number,
  normal: () => number,
): number[][] => {
  const { spec, params, states } = fit;
  const m = seasonLength('simulateExponentialSmoothing', spec);
  const n = states.level.length;
  const alpha = params.alpha;
  const beta = params.beta ?? 0;
  const gamma = params.gamma ?? 0;
  const phi = spec.damped ? (params.phi ?? 1) : 1;
  const startRing = new Float64Array(m);
  if (states.seasonal) for (let t = Math.max(0, n - m); t < n; t++) startRing[t % m] = states.seasonal[t];
  const ring = new Float64Array(m);
  const out: number[][] = [];
  for (let path = 0; path < paths; path++) {
    ring.set(startRing);
    let level = states.level[n - 1];
    let trend = states.trend ? states.trend[n - 1] : 0;
    const values: number[] = [];
    for (let k = 1; k <= h; k++) {
      const t = n - 1 + k;
      const base = level + phi * trend;
      const season = ring[t % m];
      const prediction = spec.seasonal === 'mul' ? base * season : spec.seasonal === 'add' ? base + season : base;
      const y = prediction + sigma * normal();
      const newLevel =
        alpha * (spec.seasonal === 'mul' ? y / season : spec.seasonal === 'add' ? y - season : y) + (1 - alpha) * base;
      if (spec.seasonal) ring[t % m] = gamma * (spec.seasonal === 'mul' ? y / base : y - base) + (1 - gamma) * season;
      if (spec.trend) trend = beta * (newLevel - level) + (1 - beta) * phi * trend;
      level = newLevel;
      values.push(y);
    }
    out.push(values);
  }
  return out;
};

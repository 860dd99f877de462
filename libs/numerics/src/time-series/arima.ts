import { nelderMead } from './nelder-mead';

/**
 * Seasonal ARIMA(p,d,q)(P,D,Q)m:
 *   φ(B)·Φ(Bᵐ)·(w_t − c) = θ(B)·Θ(Bᵐ)·e_t,   w_t = (1 − B)ᵈ·(1 − Bᵐ)ᴰ·y_t,
 * with φ(B) = 1 − φ₁B − … − φ_pBᵖ, θ(B) = 1 + θ₁B + … + θ_qB^q (R's and statsmodels' signs) and
 * likewise Φ, Θ in Bᵐ. c is the mean of w: the series mean when d = D = 0, the drift per step when
 * d + D = 1; models with more differencing have none.
 */
export type ArimaOrder = {
  p: number;
  d: number;
  q: number;
  P: number;
  D: number;
  Q: number;
  /** Season length m; 1 (with P = D = Q = 0) for a non-seasonal model. */
  m: number;
};

export type ArimaCoefficients = {
  ar: readonly number[];
  ma: readonly number[];
  seasonalAr: readonly number[];
  seasonalMa: readonly number[];
  /** c above; 0 for a model without a constant. */
  constant: number;
};

export type ArimaSpec = ArimaOrder & { constant: boolean };

export type ArimaEvaluation = {
  /** The differenced series w (length n − d − D·m). */
  differenced: number[];
  /** e_t per differenced value; 0 during the conditioning values (t < p + P·m), as in R's CSS. */
  residuals: number[];
  /** First differenced index whose residual is a genuine one-step error: p + P·m. */
  conditioning: number;
  /** One-step-ahead predictions of the series, null until the differencing and AR lags are available. */
  fitted: (number | null)[];
  /** Σ e_t² over the scored window t ≥ scoreFrom (default: the conditioning). */
  css: number;
  scored: number;
  /** Point forecasts 1 … h steps after the last value (future errors 0). */
  forecast: (h: number) => number[];
  /** ψ-weights ψ₀ … ψ_{h−1} of the whole (differenced) model: the h-step error is Σ ψ_j·e_{T+h−j}. */
  psiWeights: (h: number) => number[];
};

export type FittedArima = ArimaEvaluation & {
  spec: ArimaSpec;
  coefficients: ArimaCoefficients;
  /** Estimated coefficients: p + q + P + Q, plus one for the constant. */
  coefficientCount: number;
  /** Objective evaluations the optimiser used. */
  evaluations: number;
  /** One-step error variance, CSS / (scored − coefficientCount): what the intervals use. */
  sigma2: number;
  /** Conditional Gaussian log-likelihood at the ML variance CSS / scored. */
  logLikelihood: number;
  /** AIC corrected for small samples, k = coefficientCount + 1 (the variance). */
  aicc: number;
  /** Mean and standard deviation of the 1 … h step forecasts. */
  predict: (h: number) => { mean: number[]; sd: number[] };
};

/** Partial autocorrelations stay strictly inside (−1, 1): the polynomials stay away from the unit circle. */
const PARTIAL_BOUND = 0.99;
/** Seasonal-strength threshold above which one seasonal difference is taken (Wang, Smith & Hyndman 2006). */
const SEASONAL_STRENGTH_THRESHOLD = 0.64;
/** KPSS level-stationarity 5 % critical value (Kwiatkowski et al. 1992, table 1). */
const KPSS_CRITICAL_5 = 0.463;

const product = (a: readonly number[], b: readonly number[]): number[] => {
  const result = new Array<number>(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => b.forEach((y, j) => (result[i + j] += x * y)));
  return result;
};

/** [1, c₁, …] for 1 + c₁Bˢ + c₂B²ˢ + … */
const inPowers = (coefficients: readonly number[], sign: 1 | -1, step: number): number[] => {
  const result = new Array<number>(coefficients.length * step + 1).fill(0);
  result[0] = 1;
  coefficients.forEach((value, i) => (result[(i + 1) * step] = sign * value));
  return result;
};

/** (1 − B)ᵈ·(1 − Bᵐ)ᴰ as coefficients of B⁰, B¹, … */
export const differencingPolynomial = (d: number, D: number, m: number): number[] => {
  let result = [1];
  for (let i = 0; i < d; i++) result = product(result, [1, -1]);
  for (let i = 0; i < D; i++) result = product(result, inPowers([1], -1, m));
  return result;
};

/** w_t = Σ δ_i·y_{t+k−i} for t = 0 … n − k − 1, k = d + D·m. */
export const difference = (series: readonly number[], d: number, D: number, m: number): number[] => {
  const delta = differencingPolynomial(d, D, m);
  const k = delta.length - 1;
  const result: number[] = [];
  for (let t = k; t < series.length; t++) {
    let sum = 0;
    for (let i = 0; i <= k; i++) if (delta[i] !== 0) sum += delta[i] * series[t - i];
    result.push(sum);
  }
  return result;
};

/**
 * Partial autocorrelations r₁ … r_p (each in (−1, 1)) to the coefficients of a stationary
 * 1 − φ₁B − … − φ_pBᵖ, by the Durbin–Levinson recursion (Barndorff-Nielsen & Schou 1973, Monahan
 * 1984; R's `partrans`). Every point of the box maps to a stationary polynomial, so a box-bounded
 * optimiser over r enforces stationarity (and, used for the MA side, invertibility) exactly.
 */
export const coefficientsFromPartials = (partials: readonly number[]): number[] => {
  const phi = [...partials];
  for (let j = 1; j < partials.length; j++) {
    const previous = phi.slice(0, j);
    for (let k = 0; k < j; k++) phi[k] = previous[k] - partials[j] * previous[j - k - 1];
  }
  return phi;
};

const checkOrder = (order: ArimaOrder): void => {
  const { p, d, q, P, D, Q, m } = order;
  if (![p, d, q, P, D, Q, m].every((value) => Number.isInteger(value) && value >= 0)) throw new RangeError('arima: orders must be non-negative integers');
  if (m < 1) throw new RangeError('arima: the season length m must be at least 1');
  if (m === 1 && (P > 0 || D > 0 || Q > 0)) throw new RangeError('arima: seasonal orders need a season length m ≥ 2');
};

const structure = (order: ArimaOrder, coefficients: ArimaCoefficients) => {
  const { p, q, P, Q, m } = order;
  if (coefficients.ar.length !== p || coefficients.ma.length !== q || coefficients.seasonalAr.length !== P || coefficients.seasonalMa.length !== Q) {
    throw new RangeError('arima: the coefficients do not match the order');
  }
  // a(B) = φ(B)Φ(Bᵐ) = 1 + Σ a_i Bⁱ and b(B) = θ(B)Θ(Bᵐ) = 1 + Σ b_j Bʲ, kept as sparse lag lists
  // because a seasonal polynomial is mostly zeros.
  const a = product(inPowers(coefficients.ar, -1, 1), inPowers(coefficients.seasonalAr, -1, m));
  const b = product(inPowers(coefficients.ma, 1, 1), inPowers(coefficients.seasonalMa, 1, m));
  const lags = (poly: number[]) => poly.map((value, lag) => ({ lag, value })).filter(({ lag, value }) => lag > 0 && value !== 0);
  return { a, b, arLags: lags(a), maLags: lags(b), conditioning: p + P * m };
};

/**
 * One-step errors, fitted values and forecasts of the model with the given coefficients, by the
 * conditional recursion: e_t = 0 for t < p + P·m, then
 *   e_t = (w_t − c) + Σ a_i·(w_{t−i} − c) − Σ b_j·e_{t−j}.
 * `scoreFrom` (≥ the conditioning) lets several models be scored on the same observations.
 */
export const evaluateArima = (series: readonly number[], order: ArimaOrder, coefficients: ArimaCoefficients, options: { scoreFrom?: number } = {}): ArimaEvaluation => {
  checkOrder(order);
  const { a, b, arLags, maLags, conditioning } = structure(order, coefficients);
  const delta = differencingPolynomial(order.d, order.D, order.m);
  const lost = delta.length - 1;
  const w = difference(series, order.d, order.D, order.m);
  const scoreFrom = Math.max(options.scoreFrom ?? conditioning, conditioning);
  if (w.length <= scoreFrom) throw new RangeError(`arima: ${series.length} values leave no one-step error to score after differencing and ${scoreFrom} conditioning values`);
  const c = coefficients.constant;
  const e = new Array<number>(w.length).fill(0);
  let css = 0;
  for (let t = conditioning; t < w.length; t++) {
    let value = w[t] - c;
    for (const { lag, value: ai } of arLags) value += ai * (w[t - lag] - c);
    for (const { lag, value: bj } of maLags) if (t - lag >= 0) value -= bj * e[t - lag];
    e[t] = value;
    if (t >= scoreFrom) css += value * value;
  }
  const fitted = series.map((y, t) => (t - lost >= conditioning ? y - e[t - lost] : null));

  const forecast = (h: number): number[] => {
    const wExt = [...w];
    const eExt = [...e];
    const yExt = [...series];
    const result: number[] = [];
    for (let step = 0; step < h; step++) {
      const t = wExt.length;
      let centred = 0;
      for (const { lag, value: ai } of arLags) centred -= ai * (t - lag >= 0 ? wExt[t - lag] - c : 0);
      for (const { lag, value: bj } of maLags) if (t - lag >= 0) centred += bj * eExt[t - lag];
      wExt.push(centred + c);
      eExt.push(0);
      // Undo the differencing: y_t = w_t − Σ_{i≥1} δ_i·y_{t−i}.
      const n = yExt.length;
      let y = centred + c;
      for (let i = 1; i <= lost; i++) if (delta[i] !== 0) y -= delta[i] * yExt[n - i];
      yExt.push(y);
      result.push(y);
    }
    return result;
  };

  const psiWeights = (h: number): number[] => {
    // ψ(B)·a(B)·δ(B) = b(B): ψ_j = b_j − Σ_{i≥1} (aδ)_i·ψ_{j−i}.
    const full = product(a, delta);
    const psi = [1];
    for (let j = 1; j < h; j++) {
      let value = j < b.length ? b[j] : 0;
      for (let i = 1; i < full.length && i <= j; i++) value -= full[i] * psi[j - i];
      psi.push(value);
    }
    return psi.slice(0, h);
  };

  return { differenced: w, residuals: e, conditioning, fitted, css, scored: w.length - scoreFrom, forecast, psiWeights };
};

const zeros = (length: number) => new Array<number>(length).fill(0);

/**
 * Conditional-sum-of-squares fit, i.e. conditional maximum likelihood under Gaussian errors: the
 * partial autocorrelations of φ, θ, Φ and Θ are searched by Nelder–Mead within (−0.99, 0.99)
 * (stationary and invertible by construction, see `coefficientsFromPartials`), and for each of
 * them the constant is solved exactly, since the errors are linear in it:
 *   e_t(c) = e_t(0) − c·g_t,  g the same recursion run on w ≡ 1,  so  c = Σ e(0)·g / Σ g².
 * The search restarts once from its optimum, which Nelder–Mead needs to leave a collapsed simplex.
 */
export const fitArima = (series: readonly number[], spec: ArimaSpec, options: { scoreFrom?: number } = {}): FittedArima => {
  checkOrder(spec);
  if (!series.every(Number.isFinite)) throw new RangeError('fitArima: the series has non-finite values');
  const { p, q, P, Q } = spec;
  const dimension = p + q + P + Q;
  const coefficientCount = dimension + (spec.constant ? 1 : 0);
  const w = difference(series, spec.d, spec.D, spec.m);
  const conditioning = p + P * spec.m;
  const scoreFrom = Math.max(options.scoreFrom ?? conditioning, conditioning);
  if (w.length - scoreFrom < Math.max(coefficientCount, 1)) {
    throw new RangeError(`fitArima: ${series.length} values leave ${Math.max(w.length - scoreFrom, 0)} one-step errors for ${coefficientCount} coefficients`);
  }
  const split = (x: readonly number[]): Omit<ArimaCoefficients, 'constant'> => ({
    ar: coefficientsFromPartials(x.slice(0, p)),
    ma: coefficientsFromPartials(x.slice(p, p + q)).map((value) => -value),
    seasonalAr: coefficientsFromPartials(x.slice(p + q, p + q + P)),
    seasonalMa: coefficientsFromPartials(x.slice(p + q + P)).map((value) => -value),
  });
  // The objective runs thousands of times per fit: one pass computes both e(0) and g into two
  // reused buffers, and a(B), b(B) are kept as unmerged lag lists (a repeated lag just adds).
  const e0 = new Float64Array(w.length);
  const g = new Float64Array(w.length);
  const m = spec.m;
  const solve = (shape: Omit<ArimaCoefficients, 'constant'>): { constant: number; css: number } => {
    const arLag: number[] = [];
    const arValue: number[] = [];
    const maLag: number[] = [];
    const maValue: number[] = [];
    shape.ar.forEach((phi, i) => (arLag.push(i + 1), arValue.push(-phi)));
    shape.seasonalAr.forEach((Phi, j) => {
      arLag.push((j + 1) * m);
      arValue.push(-Phi);
      shape.ar.forEach((phi, i) => (arLag.push(i + 1 + (j + 1) * m), arValue.push(phi * Phi)));
    });
    shape.ma.forEach((theta, i) => (maLag.push(i + 1), maValue.push(theta)));
    shape.seasonalMa.forEach((Theta, j) => {
      maLag.push((j + 1) * m);
      maValue.push(Theta);
      shape.ma.forEach((theta, i) => (maLag.push(i + 1 + (j + 1) * m), maValue.push(theta * Theta)));
    });
    const gain = arValue.reduce((sum, value) => sum + value, 1);
    const arCount = arLag.length;
    const maCount = maLag.length;
    let sxy = 0;
    let syy = 0;
    let sxx = 0;
    for (let t = conditioning; t < w.length; t++) {
      let value = w[t];
      let unit = gain;
      for (let k = 0; k < arCount; k++) value += arValue[k] * w[t - arLag[k]];
      for (let k = 0; k < maCount; k++) {
        const lag = maLag[k];
        if (lag > t) continue;
        value -= maValue[k] * e0[t - lag];
        unit -= maValue[k] * g[t - lag];
      }
      e0[t] = value;
      g[t] = unit;
      if (t >= scoreFrom) {
        sxx += value * value;
        sxy += value * unit;
        syy += unit * unit;
      }
    }
    if (!spec.constant || !(syy > 0)) return { constant: 0, css: sxx };
    const constant = sxy / syy;
    return { constant, css: Math.max(sxx - constant * sxy, 0) };
  };
  const objective = (x: readonly number[]) => solve(split(x)).css;

  let best = zeros(dimension);
  let evaluationsUsed = 0;
  if (dimension > 0) {
    const bounds = { lower: best.map(() => -PARTIAL_BOUND), upper: best.map(() => PARTIAL_BOUND) };
    const first = nelderMead(objective, best, { ...bounds, maxEvaluations: 250 * dimension, valueTolerance: 1e-9, pointTolerance: 1e-5 });
    const second = nelderMead(objective, first.x, { ...bounds, initialStep: best.map(() => 0.05), maxEvaluations: 100 * dimension, valueTolerance: 1e-10, pointTolerance: 1e-6 });
    evaluationsUsed = first.evaluations + second.evaluations;
    best = second.value <= first.value ? second.x : first.x;
  }
  const shape = split(best);
  const coefficients = { ...shape, constant: solve(shape).constant };
  const evaluation = evaluateArima(series, spec, coefficients, { scoreFrom });
  const n = evaluation.scored;
  // A perfectly fitted series (a constant, a straight line) has CSS 0: a floor relative to the
  // series' size keeps the likelihood finite, so such models compare by their parameter count.
  const scale = series.reduce((max, y) => Math.max(max, Math.abs(y)), 0) || 1;
  const floor = (1e-12 * scale) ** 2;
  const mlVariance = Math.max(evaluation.css / n, floor);
  const sigma2 = Math.max(evaluation.css / Math.max(n - coefficientCount, 1), floor);
  const logLikelihood = -0.5 * n * (Math.log(2 * Math.PI * mlVariance) + 1);
  const k = coefficientCount + 1;
  const aicc = n - k - 1 > 0 ? -2 * logLikelihood + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return {
    ...evaluation,
    spec: { ...spec },
    coefficients,
    coefficientCount,
    evaluations: evaluationsUsed,
    sigma2,
    logLikelihood,
    aicc,
    predict: (h) => {
      const psi = evaluation.psiWeights(h);
      let cumulative = 0;
      const sd = psi.map((weight) => ((cumulative += weight * weight), Math.sqrt(sigma2 * cumulative)));
      return { mean: evaluation.forecast(h), sd };
    },
  };
};

/**
 * The smallest |z| with 1 − c₁z − c₂z² = 0 (c of length ≤ 2; Infinity for none). auto.arima's check:
 * a root within 1.01 of the unit circle marks a model on the edge of non-stationarity or
 * non-invertibility, whose likelihood is unreliable and whose near-cancelling factors mislead.
 */
export const smallestRootModulus = (c: readonly number[]): number => {
  if (c.length > 2) throw new RangeError('smallestRootModulus: degree 2 at most');
  const [c1 = 0, c2 = 0] = c;
  if (c2 === 0) return c1 === 0 ? Infinity : 1 / Math.abs(c1);
  // c₂z² + c₁z − 1 = 0.
  const discriminant = c1 * c1 + 4 * c2;
  if (discriminant >= 0) {
    const root = Math.sqrt(discriminant);
    return Math.min(Math.abs((-c1 + root) / (2 * c2)), Math.abs((-c1 - root) / (2 * c2)));
  }
  // Complex pair: |z|² = product of the roots = −1/c₂.
  return Math.sqrt(Math.abs(1 / c2));
};

const ROOT_MARGIN = 1.01;

const variance = (values: readonly number[]): number => {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
};

/**
 * The KPSS statistic for level stationarity (Kwiatkowski, Phillips, Schmidt & Shin 1992):
 * Σ S_t² / (n²·s²), S the partial sums of the demeaned series and s² the Bartlett-weighted long-run
 * variance with ⌊3√n/13⌋ lags (tseries' "short"). Large values reject stationarity; 0 for a constant.
 */
export const kpssStatistic = (series: readonly number[]): number => {
  const n = series.length;
  const mean = series.reduce((sum, value) => sum + value, 0) / n;
  const e = series.map((value) => value - mean);
  const lags = Math.floor((3 * Math.sqrt(n)) / 13);
  let longRun = e.reduce((sum, value) => sum + value * value, 0) / n;
  for (let k = 1; k <= lags; k++) {
    let covariance = 0;
    for (let t = k; t < n; t++) covariance += e[t] * e[t - k];
    longRun += (2 * (1 - k / (lags + 1)) * covariance) / n;
  }
  if (!(longRun > 0)) return 0;
  let partial = 0;
  let sum = 0;
  for (const value of e) {
    partial += value;
    sum += partial * partial;
  }
  return sum / (n * n * longRun);
};

/**
 * Strength of seasonality in [0, 1]: 1 − Var(remainder)/Var(season + remainder) after removing a
 * least-squares line, the season being the mean of each phase (Wang, Smith & Hyndman 2006, with a
 * line in place of STL's trend, which needs more data than two seasons).
 */
export const seasonalStrength = (series: readonly number[], m: number): number => {
  const n = series.length;
  const tMean = (n - 1) / 2;
  const yMean = series.reduce((sum, value) => sum + value, 0) / n;
  let sxy = 0;
  let sxx = 0;
  series.forEach((y, t) => ((sxy += (t - tMean) * (y - yMean)), (sxx += (t - tMean) ** 2)));
  const slope = sxx > 0 ? sxy / sxx : 0;
  const detrended = series.map((y, t) => y - yMean - slope * (t - tMean));
  const phaseMeans = Array.from({ length: m }, (_, phase) => {
    const values = detrended.filter((_, t) => t % m === phase);
    return values.reduce((sum, value) => sum + value, 0) / values.length;
  });
  const remainder = detrended.map((value, t) => value - phaseMeans[t % m]);
  const total = variance(detrended);
  return total > 0 ? Math.max(0, 1 - variance(remainder) / total) : 0;
};

export type AutoArimaOptions = {
  /** Season length m; 1 for none. Seasonal terms are only considered with at least two seasons. */
  seasonalPeriod: number;
  maxP?: number;
  maxQ?: number;
  maxSeasonalP?: number;
  maxSeasonalQ?: number;
};

export type ArimaCandidate = { spec: ArimaSpec; aicc: number };

export type AutoArimaResult = FittedArima & {
  /** How d and D were chosen. */
  differencing: { seasonalStrength: number | null; kpss: number | null; rule: string };
  /** Every order compared (on the same observations), best first. */
  candidates: ArimaCandidate[];
};

/** The fewest values `autoArima` accepts: with fewer no model leaves an error variance to estimate. */
export const AUTO_ARIMA_MIN_LENGTH = 4;
/** Scored observations every candidate keeps, at least. */
const MIN_SCORED = 4;

/**
 * Order selection by AICc over a small grid, after choosing the differencing:
 * - D = 1 when m ≥ 2, the series has two full seasons, and its seasonal strength exceeds 0.64;
 * - d = 1 when the (seasonally differenced) series fails the KPSS test at 5 % (≥ 12 values), or,
 *   on shorter series, when differencing halves its variance; d is never more than 1;
 * - p, q ≤ 2 and, with two seasons of differenced data, P, Q ≤ 1; a constant (mean or drift) is
 *   tried with and without when d + D ≤ 1.
 * Like auto.arima, a candidate whose AR or MA polynomial has a root within 1.01 of the unit circle is
 * left out. Conditional likelihoods are only comparable on the same observations, so every candidate is
 * scored from the largest AR conditioning in the grid. The grid shrinks on short series so that
 * at least 4 scored values remain and every candidate's AICc is defined: the fallback, ARIMA(0,d,0),
 * always qualifies. Throws a RangeError for fewer than 4 values or non-finite ones.
 */
export const autoArima = (series: readonly number[], options: AutoArimaOptions): AutoArimaResult => {
  const n = series.length;
  if (!series.every(Number.isFinite)) throw new RangeError('autoArima: the series has non-finite values');
  if (n < AUTO_ARIMA_MIN_LENGTH) throw new RangeError(`autoArima: needs at least ${AUTO_ARIMA_MIN_LENGTH} values, got ${n}`);
  const period = options.seasonalPeriod;
  if (!Number.isInteger(period) || period < 1) throw new RangeError('autoArima: seasonalPeriod must be a positive integer');

  const strength = period > 1 && n >= 2 * period ? seasonalStrength(series, period) : null;
  const D = strength !== null && strength > SEASONAL_STRENGTH_THRESHOLD && n - period >= MIN_SCORED + 1 ? 1 : 0;
  const afterSeasonal = D ? difference(series, 0, 1, period) : [...series];
  let kpss: number | null = null;
  let d = 0;
  let rule: string;
  if (afterSeasonal.length - 1 < MIN_SCORED) rule = 'too short to difference';
  else if (afterSeasonal.length >= 12) {
    kpss = kpssStatistic(afterSeasonal);
    d = kpss > KPSS_CRITICAL_5 ? 1 : 0;
    rule = `KPSS ${kpss > KPSS_CRITICAL_5 ? '>' : '≤'} ${KPSS_CRITICAL_5} (5 %)`;
  } else {
    const halves = variance(difference(afterSeasonal, 1, 0, 1)) < variance(afterSeasonal) / 2;
    d = halves ? 1 : 0;
    rule = `short series: differencing ${halves ? 'halves' : 'does not halve'} the variance`;
  }
  if (D) rule = `seasonal strength ${strength?.toFixed(2)} > ${SEASONAL_STRENGTH_THRESHOLD}; ${rule}`;

  const w = afterSeasonal.length - d;
  const seasonal = period > 1 && w >= 2 * period;
  const m = seasonal || D ? period : 1;
  let maxP = Math.min(options.maxP ?? 2, 2);
  const maxQ = Math.min(options.maxQ ?? 2, 2);
  let maxSP = seasonal ? Math.min(options.maxSeasonalP ?? 1, 1) : 0;
  const maxSQ = seasonal ? Math.min(options.maxSeasonalQ ?? 1, 1) : 0;
  while (w - (maxP + maxSP * m) < MIN_SCORED) {
    if (maxSP > 0) maxSP = 0;
    else maxP--;
  }
  const scoreFrom = maxP + maxSP * m;
  const scored = w - scoreFrom;

  const candidates: ArimaCandidate[] = [];
  let best: FittedArima | undefined;
  for (let p = 0; p <= maxP; p++) {
    for (let q = 0; q <= maxQ; q++) {
      for (let P = 0; P <= maxSP; P++) {
        for (let Q = 0; Q <= maxSQ; Q++) {
          for (const constant of d + D <= 1 ? [false, true] : [false]) {
            const k = p + q + P + Q + (constant ? 1 : 0) + 1;
            if (scored - k - 1 < 1) continue;
            const fit = fitArima(series, { p, d, q, P, D, Q, m, constant }, { scoreFrom });
            if (!Number.isFinite(fit.aicc)) continue;
            const { ar, ma, seasonalAr, seasonalMa } = fit.coefficients;
            const nearUnitRoot = [ar, ma.map((value) => -value), seasonalAr, seasonalMa.map((value) => -value)].some((c) => smallestRootModulus(c) < ROOT_MARGIN);
            if (nearUnitRoot && p + q + P + Q > 0) continue;
            candidates.push({ spec: fit.spec, aicc: fit.aicc });
            if (!best || fit.aicc < best.aicc) best = fit;
          }
        }
      }
    }
  }
  // Unreachable by the sizes above, kept so a future grid change fails loudly rather than with NaN.
  if (!best) throw new RangeError(`autoArima: ${n} values leave no order with a defined AICc`);
  candidates.sort((x, y) => x.aicc - y.aicc);
  return { ...best, differencing: { seasonalStrength: strength, kpss, rule }, candidates };
};

/** `ARIMA(1,1,1)(0,1,1)[12] with drift`, for reports. */
export const describeArima = (spec: ArimaSpec): string => {
  const seasonal = spec.m > 1 ? `(${spec.P},${spec.D},${spec.Q})[${spec.m}]` : '';
  const constant = spec.constant ? (spec.d + spec.D === 0 ? ' with mean' : ' with drift') : '';
  return `ARIMA(${spec.p},${spec.d},${spec.q})${seasonal}${constant}`;
};

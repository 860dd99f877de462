import { studentTQuantile } from './time-series/forecast-models';

/** Standard normal 90 % and 97.5 % points, turned into Student-t ones for the residual degrees of freedom. */
const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

export type LinearRegressionOptions = {
  /** Prepend a column of ones (named `intercept`). Default true. */
  intercept?: boolean;
  /** One name per column of X (without the intercept). Default x1, x2, … */
  names?: readonly string[];
};

export type RegressionPrediction = {
  mean: number;
  /** Standard error of a new observation at x: σ·√(1 + xᵀ(XᵀX)⁻¹x). */
  standardError: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
};

export type LinearRegression = {
  names: string[];
  coefficients: number[];
  standardErrors: number[];
  tStatistics: number[];
  observations: number;
  /** n − p. */
  degreesOfFreedom: number;
  /** SSE / (n − p). */
  residualVariance: number;
  /** 1 − SSE/SST, SST about the mean with an intercept and about 0 without one. */
  rSquared: number;
  adjustedRSquared: number;
  fitted: number[];
  residuals: number[];
  /** (XᵀX)⁻¹, in the column order of `names`. */
  covarianceUnscaled: number[][];
  /** A new observation's mean and Student-t prediction intervals; x excludes the intercept's 1. */
  predict: (x: readonly number[]) => RegressionPrediction;
};

/**
 * Householder QR of the n × p matrix (n ≥ p), column by column. Returns R (p × p, upper) and a
 * function applying Qᵀ to a vector, or the index of the first column that is (numerically) a linear
 * combination of the ones before it: its remaining norm is below 1e-10 of its original norm.
 */
const householder = (matrix: readonly (readonly number[])[]): { r: number[][]; applyQt: (v: readonly number[]) => number[] } | { aliased: number } => {
  const n = matrix.length;
  const p = matrix[0].length;
  const a = matrix.map((row) => [...row]);
  const reflectors: number[][] = [];
  for (let k = 0; k < p; k++) {
    let original = 0;
    for (let i = 0; i < n; i++) original += matrix[i][k] ** 2;
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i][k] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10 * Math.sqrt(original)) || original === 0) return { aliased: k };
    const alpha = a[k][k] > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    v[k] = a[k][k] - alpha;
    for (let i = k + 1; i < n; i++) v[i] = a[i][k];
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i] * v[i];
    for (let j = k; j < p; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i] * a[i][j];
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) a[i][j] -= f * v[i];
    }
    reflectors.push(v);
  }
  const r = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => (j >= i ? a[i][j] : 0)));
  const applyQt = (vector: readonly number[]): number[] => {
    const y = [...vector];
    reflectors.forEach((v, k) => {
      let s = 0;
      let vv = 0;
      for (let i = k; i < n; i++) {
        s += v[i] * y[i];
        vv += v[i] * v[i];
      }
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) y[i] -= f * v[i];
    });
    return y;
  };
  return { r, applyQt };
};

/** Inverse of an upper-triangular matrix by back substitution. */
const invertUpper = (r: readonly (readonly number[])[]): number[][] => {
  const p = r.length;
  const inverse = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    inverse[j][j] = 1 / r[j][j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i][k] * inverse[k][j];
      inverse[i][j] = -s / r[i][i];
    }
  }
  return inverse;
};

/**
 * Ordinary least squares y = Xβ + ε by Householder QR (no normal equations: their condition number
 * is the square of X's). Throws a RangeError naming the column when X is rank deficient, and when
 * there are not more rows than coefficients (no residual variance to estimate).
 */
export const fitLinearRegression = (rows: readonly (readonly number[])[], y: readonly number[], options: LinearRegressionOptions = {}): LinearRegression => {
  const intercept = options.intercept ?? true;
  const width = rows[0]?.length ?? options.names?.length ?? 0;
  const names = [...(intercept ? ['intercept'] : []), ...(options.names ?? Array.from({ length: width }, (_, j) => `x${j + 1}`))];
  if (rows.length !== y.length) throw new RangeError(`fitLinearRegression: ${rows.length} rows but ${y.length} responses`);
  if (!rows.every((row) => row.length === width)) throw new RangeError('fitLinearRegression: rows differ in length');
  if (options.names && options.names.length !== width) throw new RangeError('fitLinearRegression: one name per column is needed');
  if (![...y, ...rows.flat()].every(Number.isFinite)) throw new RangeError('fitLinearRegression: non-finite value');
  const p = names.length;
  const n = rows.length;
  if (p === 0) throw new RangeError('fitLinearRegression: no coefficient to estimate');
  if (n <= p) throw new RangeError(`fitLinearRegression: ${n} observations are too few for ${p} coefficients (needs at least ${p + 1})`);
  const design = rows.map((row) => (intercept ? [1, ...row] : [...row]));
  const qr = householder(design);
  if ('aliased' in qr) throw new RangeError(`fitLinearRegression: rank deficient, column ${names[qr.aliased]} is a linear combination of the columns before it`);
  const { r, applyQt } = qr;
  const qty = applyQt(y);
  const rInverse = invertUpper(r);
  const coefficients = rInverse.map((row) => row.reduce((sum, value, j) => sum + value * qty[j], 0));
  const fitted = design.map((row) => row.reduce((sum, value, j) => sum + value * coefficients[j], 0));
  const residuals = y.map((value, i) => value - fitted[i]);
  const sse = residuals.reduce((sum, e) => sum + e * e, 0);
  const degreesOfFreedom = n - p;
  const residualVariance = sse / degreesOfFreedom;
  // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
  const covarianceUnscaled = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => rInverse[i].reduce((sum, value, k) => sum + value * rInverse[j][k], 0)));
  const standardErrors = covarianceUnscaled.map((row, j) => Math.sqrt(residualVariance * row[j]));
  const mean = y.reduce((sum, value) => sum + value, 0) / n;
  const sst = y.reduce((sum, value) => sum + (intercept ? (value - mean) ** 2 : value ** 2), 0);
  const rSquared = sst > 0 ? 1 - sse / sst : 1;
  const adjustedRSquared = 1 - ((1 - rSquared) * (intercept ? n - 1 : n)) / degreesOfFreedom;
  const t80 = studentTQuantile(Z80, degreesOfFreedom);
  const t95 = studentTQuantile(Z95, degreesOfFreedom);
  return {
    names,
    coefficients,
    standardErrors,
    tStatistics: coefficients.map((value, j) => (standardErrors[j] > 0 ? value / standardErrors[j] : value === 0 ? 0 : Math.sign(value) * Infinity)),
    observations: n,
    degreesOfFreedom,
    residualVariance,
    rSquared,
    adjustedRSquared,
    fitted,
    residuals,
    covarianceUnscaled,
    predict: (x) => {
      if (x.length !== width || !x.every(Number.isFinite)) throw new RangeError(`fitLinearRegression.predict: needs ${width} finite values`);
      const row = intercept ? [1, ...x] : [...x];
      const estimate = row.reduce((sum, value, j) => sum + value * coefficients[j], 0);
      let leverage = 0;
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) leverage += row[i] * covarianceUnscaled[i][j] * row[j];
      const standardError = Math.sqrt(residualVariance * (1 + leverage));
      return {
        mean: estimate,
        standardError,
        lower80: estimate - t80 * standardError,
        upper80: estimate + t80 * standardError,
        lower95: estimate - t95 * standardError,
        upper95: estimate + t95 * standardError,
      };
    },
  };
};

/**
 * The columns to keep so that X (with the intercept when asked) has full column rank: each column in
 * turn is dropped when it is a linear combination of the kept ones before it (R's `lm` reports
 * those coefficients as NA). Returns the kept column indices of `rows`, and the dropped ones.
 */
export const independentColumns = (rows: readonly (readonly number[])[], options: { intercept?: boolean } = {}): { kept: number[]; dropped: number[] } => {
  const intercept = options.intercept ?? true;
  const width = rows[0]?.length ?? 0;
  const kept: number[] = [];
  const dropped: number[] = [];
  for (let j = 0; j < width; j++) {
    const candidate = [...kept, j];
    const design = rows.map((row) => [...(intercept ? [1] : []), ...candidate.map((c) => row[c])]);
    if (design.length < design[0].length) {
      dropped.push(j);
      continue;
    }
    const qr = householder(design);
    if ('aliased' in qr) dropped.push(j);
    else kept.push(j);
  }
  return { kept, dropped };
};

import { solveSymmetricPositiveDefinite } from './linear-algebra';

export type BinaryLabel = 0 | 1;

export type LogisticRegressionOptions = {
  /**
   * λ in the objective Σ wᵢ·loglossᵢ + ½·λ·‖coef‖². 0 fits the unregularised maximum-likelihood
   * model. The intercept is never penalised. scikit-learn's `C` corresponds to λ = 1/C.
   */
  l2Penalty?: number;
  /** Newton iterations before giving up (and reporting `converged: false`). Default 100. */
  maxIterations?: number;
  /** Converged when every Newton step component is below tolerance·(1 + |parameter|). Default 1e-10. */
  tolerance?: number;
  /** Non-negative sample weights; default 1 for every row. */
  weights?: readonly number[];
};

export type LogisticRegressionModel = {
  coef: number[];
  intercept: number;
  iterations: number;
  /** False when the iteration cap was reached or no step improved the objective (e.g. separation). */
  converged: boolean;
  /** Weighted log-likelihood Σ wᵢ·(yᵢ·log pᵢ + (1−yᵢ)·log(1−pᵢ)) at the returned parameters, unpenalised. */
  logLikelihood: number;
};

/** The part of a fitted model needed to score, so stored models (e.g. read back from events) qualify. */
export type LogisticRegressionCoefficients = Pick<LogisticRegressionModel, 'coef' | 'intercept'>;

/** 1/(1+e^−z) without overflow: the exponential is only ever taken of a non-positive number. */
export const sigmoid = (z: number): number => {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
};

/** log(1+eᶻ), accurate for large |z| where the naive form overflows or loses every digit. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

const linearPredictor = (model: LogisticRegressionCoefficients, x: readonly number[]): number => {
  if (x.length !== model.coef.length) {
    throw new RangeError(`expected ${model.coef.length} features, got ${x.length}`);
  }
  let z = model.intercept;
  for (let j = 0; j < x.length; j++) z += model.coef[j] * x[j];
  return z;
};

export const predictProbability = (model: LogisticRegressionCoefficients, x: readonly number[]): number =>
  sigmoid(linearPredictor(model, x));

export const predictProbabilities = (model: LogisticRegressionCoefficients, X: readonly (readonly number[])[]): number[] =>
  X.map((x) => predictProbability(model, x));

/**
 * Mean curvature p(1−p) below which every row is predicted with (numerical) certainty. Real optima,
 * even heavily penalised separable ones, sit many orders of magnitude above it.
 */
const SATURATED_CURVATURE = 1e-200;

type Problem = {
  X: readonly (readonly number[])[];
  y: readonly BinaryLabel[];
  weights: readonly number[];
  lambda: number;
  features: number;
};

/** Parameters are packed as [intercept, coef₀, coef₁, …] throughout the fitter. */
const predictors = (problem: Problem, beta: readonly number[]): number[] =>
  problem.X.map((row) => {
    let z = beta[0];
    for (let j = 0; j < problem.features; j++) z += beta[j + 1] * row[j];
    return z;
  });

const penalisedObjective = (problem: Problem, beta: readonly number[]): number => {
  const z = predictors(problem, beta);
  let loss = 0;
  for (let i = 0; i < z.length; i++) loss += problem.weights[i] * (softplus(z[i]) - problem.y[i] * z[i]);
  let squaredNorm = 0;
  for (let j = 1; j < beta.length; j++) squaredNorm += beta[j] * beta[j];
  return loss + 0.5 * problem.lambda * squaredNorm;
};

const validate = (X: readonly (readonly number[])[], y: readonly number[], options: LogisticRegressionOptions): void => {
  if (X.length === 0) throw new RangeError('fitLogisticRegression: no rows');
  if (X.length !== y.length) throw new RangeError(`fitLogisticRegression: ${X.length} rows but ${y.length} labels`);
  const features = X[0].length;
  X.forEach((row, i) => {
    if (row.length !== features) throw new RangeError(`fitLogisticRegression: row ${i} has ${row.length} features, expected ${features}`);
    if (!row.every(Number.isFinite)) throw new RangeError(`fitLogisticRegression: row ${i} has a non-finite value`);
  });
  y.forEach((label, i) => {
    if (label !== 0 && label !== 1) throw new RangeError(`fitLogisticRegression: label ${i} is not 0 or 1`);
  });
  const lambda = options.l2Penalty ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError('fitLogisticRegression: l2Penalty must be a finite number ≥ 0');
  if (options.weights) {
    if (options.weights.length !== X.length) throw new RangeError('fitLogisticRegression: weights length differs from rows');
    if (!options.weights.every((w) => w >= 0 && Number.isFinite(w))) throw new RangeError('fitLogisticRegression: weights must be finite and ≥ 0');
  }
};

/**
 * Fits binary logistic regression with an unpenalised intercept by Newton–Raphson (IRLS).
 * Newton is used rather than gradient methods because the problems here are small (few features)
 * and it converges quadratically, which is what lets the result match reference implementations to
 * many digits. Each step is damped by halving until the penalised objective decreases (Armijo), and
 * a singular Hessian — collinear columns or perfect separation — gets a tiny ridge instead of
 * producing NaN. Under perfect separation with λ = 0 the maximum-likelihood estimate does not exist:
 * the coefficients keep growing by roughly a constant per step, so the fit stops at the iteration cap
 * — or earlier, once steps stop changing the objective measurably — with finite coefficients and
 * `converged: false`.
 */
export const fitLogisticRegression = (
  X: readonly (readonly number[])[],
  y: readonly BinaryLabel[],
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel => {
  validate(X, y, options);
  const problem: Problem = {
    X,
    y,
    weights: options.weights ?? new Array<number>(X.length).fill(1),
    lambda: options.l2Penalty ?? 0,
    features: X[0].length,
  };
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const p = problem.features + 1;

  // Start from the intercept-only fit's closed form (logit of the weighted base rate), clamped so
  // a single-class sample still starts at a finite point.
  const totalWeight = problem.weights.reduce((sum, w) => sum + w, 0);
  const positiveWeight = problem.weights.reduce((sum, w, i) => sum + w * y[i], 0);
  const baseRate = Math.min(Math.max(totalWeight > 0 ? positiveWeight / totalWeight : 0.5, 1e-6), 1 - 1e-6);
  let beta = new Array<number>(p).fill(0);
  beta[0] = Math.log(baseRate / (1 - baseRate));
  let objective = penalisedObjective(problem, beta);

  let converged = false;
  let iterations = 0;
  let unresolvableSteps = 0;
  while (iterations < maxIterations) {
    iterations++;
    const z = predictors(problem, beta);
    const gradient = new Array<number>(p).fill(0);
    const hessian = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < X.length; i++) {
      const w = problem.weights[i];
      if (w === 0) continue;
      // p−y and p(1−p) computed from the tail that does not round to 1, so that they stay accurate
      // (non-zero) far into the tails, which separated data reach quickly.
      const residual = y[i] === 1 ? -sigmoid(-z[i]) : sigmoid(z[i]);
      const curvature = w * sigmoid(z[i]) * sigmoid(-z[i]);
      const row = X[i];
      const weightedResidual = w * residual;
      gradient[0] += weightedResidual;
      hessian[0][0] += curvature;
      for (let j = 1; j < p; j++) {
        const xj = row[j - 1];
        // Encoded designs are mostly one-hot zeros, which add nothing to the gradient or Hessian.
        if (xj === 0) continue;
        gradient[j] += weightedResidual * xj;
        const cx = curvature * xj;
        const hessianRow = hessian[j];
        hessianRow[0] += cx;
        for (let k = 1; k <= j; k++) hessianRow[k] += cx * row[k - 1];
      }
    }
    for (let j = 1; j < p; j++) {
      gradient[j] += problem.lambda * beta[j];
      hessian[j][j] += problem.lambda;
    }
    // Only the lower triangle was accumulated (the Hessian is symmetric); mirror it for the solver.
    for (let j = 0; j < p; j++) for (let k = j + 1; k < p; k++) hessian[j][k] = hessian[k][j];

    const { solution } = solveSymmetricPositiveDefinite(hessian, gradient);
    const step = solution.map((value) => -value);
    if (!step.every(Number.isFinite)) break;

    if (step.every((value, j) => Math.abs(value) <= tolerance * (1 + Math.abs(beta[j])))) {
      beta = beta.map((value, j) => value + step[j]);
      // A vanishing step is also what happens once separated data drive every p(1−p) and p−y into
      // underflow; there is no optimum there, only saturation, so it does not count as converged.
      converged = hessian[0][0] > SATURATED_CURVATURE * totalWeight;
      break;
    }

    // −slope is the squared Newton decrement, twice the decrease Newton's model predicts. Once that
    // is below what the objective's rounding can resolve, comparing objectives is noise and would
    // reject good steps (stalling short of the optimum), while the full step is then known to be
    // in the quadratically convergent region: take it unchecked.
    const slope = gradient.reduce((sum, g, j) => sum + g * step[j], 0);
    if (-slope <= 1e-10 * (1 + Math.abs(objective))) {
      // At a real optimum this happens once or twice before the step becomes negligible. When it
      // keeps happening with steps that stay large, coefficients are running off to infinity
      // ((quasi-)separation) for no measurable gain in fit, so give up early, unconverged.
      if (++unresolvableSteps > 5) break;
      beta = beta.map((value, j) => value + step[j]);
      objective = penalisedObjective(problem, beta);
      continue;
    }
    unresolvableSteps = 0;

    let t = 1;
    let accepted = false;
    for (let halving = 0; halving < 40; halving++, t /= 2) {
      const candidate = beta.map((value, j) => value + t * step[j]);
      if (candidate.every((value, j) => value === beta[j])) break;
      const candidateObjective = penalisedObjective(problem, candidate);
      if (Number.isFinite(candidateObjective) && candidateObjective <= objective + 1e-4 * t * slope) {
        beta = candidate;
        objective = candidateObjective;
        accepted = true;
        break;
      }
    }
    // No decrease along a descent direction although Newton predicts a resolvable one: the problem
    // is numerically broken (e.g. wildly scaled features), so stop rather than spin, unconverged.
    if (!accepted) break;
  }

  const z = predictors(problem, beta);
  let logLikelihood = 0;
  for (let i = 0; i < z.length; i++) logLikelihood -= problem.weights[i] * (softplus(z[i]) - y[i] * z[i]);
  return { coef: beta.slice(1), intercept: beta[0], iterations, converged, logLikelihood };
};

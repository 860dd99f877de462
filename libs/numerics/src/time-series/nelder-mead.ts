export type BoxBounds = { lower: readonly number[]; upper: readonly number[] };

export type NelderMeadOptions = BoxBounds & {
  /** Initial simplex edge along each axis; default 10 % of the box width. */
  initialStep?: readonly number[];
  /** Objective evaluations before stopping. Default 200·dimension. */
  maxEvaluations?: number;
  /** Converged once the simplex's values agree to this fraction of |best value|. Default 1e-10. */
  valueTolerance?: number;
  /** … and its vertices to this fraction of the box width along every axis. Default 1e-6. */
  pointTolerance?: number;
};

export type NelderMeadResult = { x: number[]; value: number; evaluations: number };

const clamp = (x: readonly number[], { lower, upper }: BoxBounds): number[] => x.map((value, i) => Math.min(upper[i], Math.max(lower[i], value)));

/**
 * Nelder–Mead with the standard coefficients (reflect 1, expand 2, contract ½, shrink ½) on a box:
 * every trial point is projected onto the bounds. Projection rather than a logistic transform keeps
 * the bounds themselves reachable, and the smoothing parameters of exponential smoothing often sit
 * exactly on one (β = 0, γ = 0). Non-finite objective values are treated as +∞, so callers can
 * reject infeasible points by returning NaN or Infinity.
 */
export const nelderMead = (objective: (x: readonly number[]) => number, start: readonly number[], options: NelderMeadOptions): NelderMeadResult => {
  const n = start.length;
  if (options.lower.length !== n || options.upper.length !== n) throw new RangeError('nelderMead: bounds and start differ in length');
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  const valueTolerance = options.valueTolerance ?? 1e-10;
  const pointTolerance = options.pointTolerance ?? 1e-6;
  const width = options.upper.map((upper, i) => upper - options.lower[i]);
  let evaluations = 0;
  const evaluate = (x: readonly number[]): number => {
    evaluations++;
    const value = objective(x);
    return Number.isFinite(value) ? value : Infinity;
  };

  const first = clamp(start, options);
  const simplex: number[][] = [first];
  for (let i = 0; i < n; i++) {
    const step = options.initialStep?.[i] ?? 0.1 * width[i];
    const vertex = [...first];
    // Step inwards when the start is on (or near) the upper bound, so the simplex is not flat.
    vertex[i] = vertex[i] + step <= options.upper[i] ? vertex[i] + step : vertex[i] - step;
    simplex.push(clamp(vertex, options));
  }
  const values = simplex.map(evaluate);

  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    const sorted = order.map((i) => simplex[i]);
    const sortedValues = order.map((i) => values[i]);
    sorted.forEach((vertex, i) => ((simplex[i] = vertex), (values[i] = sortedValues[i])));

    const best = values[0];
    const worst = values[n];
    const spread = Math.abs(worst - best);
    let extent = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) extent = Math.max(extent, Math.abs(simplex[i][j] - simplex[0][j]) / (width[j] || 1));
    if (spread <= valueTolerance * (Math.abs(best) + 1e-300) && extent <= pointTolerance) break;
    if (extent === 0) break;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const towards = (coefficient: number) => clamp(centroid.map((c, j) => c + coefficient * (simplex[n][j] - c)), options);

    const reflected = towards(-1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < best) {
      const expanded = towards(-2);
      const expandedValue = evaluate(expanded);
      if (expandedValue < reflectedValue) [simplex[n], values[n]] = [expanded, expandedValue];
      else [simplex[n], values[n]] = [reflected, reflectedValue];
      continue;
    }
    if (reflectedValue < values[n - 1]) {
      [simplex[n], values[n]] = [reflected, reflectedValue];
      continue;
    }
    const outside = reflectedValue < worst;
    const contracted = towards(outside ? -0.5 : 0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < (outside ? reflectedValue : worst)) {
      [simplex[n], values[n]] = [contracted, contractedValue];
      continue;
    }
    for (let i = 1; i <= n; i++) {
      simplex[i] = clamp(
        simplex[i].map((value, j) => simplex[0][j] + 0.5 * (value - simplex[0][j])),
        options,
      );
      values[i] = evaluate(simplex[i]);
    }
  }

  let bestIndex = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[bestIndex]) bestIndex = i;
  return { x: simplex[bestIndex], value: values[bestIndex], evaluations };
};

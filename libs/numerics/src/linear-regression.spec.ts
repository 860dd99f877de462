import { fitLinearRegression, independentColumns } from './linear-regression';
import { seededNormal } from './time-series/forecast-models';

/** (XᵀX)⁻¹Xᵀy by Gauss–Jordan elimination with partial pivoting on the normal equations, written out here. */
const normalEquations = (x: number[][], y: number[]): { beta: number[]; inverse: number[][] } => {
  const p = x[0].length;
  const gram = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => x.reduce((sum, row) => sum + row[i] * row[j], 0)));
  const augmented = gram.map((row, i) => [...row, ...Array.from({ length: p }, (_, j) => (i === j ? 1 : 0))]);
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
  return { beta: inverse.map((row) => row.reduce((sum, value, j) => sum + value * xty[j], 0)), inverse };
};

describe('fitLinearRegression', () => {
  const normal = seededNormal(42);
  const rows = Array.from({ length: 40 }, (_, i) => [i / 4, normal() * 3 + 10, (i % 5) - 2]);
  const y = rows.map(([a, b, c]) => 5 + 2 * a - 0.7 * b + 1.5 * c + normal());

  it('matches the normal-equations solution, with standard errors, t, R² and adjusted R²', () => {
    const fit = fitLinearRegression(rows, y, { names: ['a', 'b', 'c'] });
    const x = rows.map((row) => [1, ...row]);
    const { beta, inverse } = normalEquations(x, y);
    fit.coefficients.forEach((value, j) => expect(Math.abs(value - beta[j])).toBeLessThan(1e-6 * Math.max(1, Math.abs(beta[j]))));
    expect(fit.names).toEqual(['intercept', 'a', 'b', 'c']);

    const residuals = y.map((value, i) => value - x[i].reduce((sum, v, j) => sum + v * beta[j], 0));
    const sse = residuals.reduce((sum, e) => sum + e * e, 0);
    const variance = sse / (40 - 4);
    expect(fit.residualVariance).toBeCloseTo(variance, 8);
    fit.standardErrors.forEach((se, j) => expect(se).toBeCloseTo(Math.sqrt(variance * inverse[j][j]), 8));
    fit.tStatistics.forEach((t, j) => expect(t).toBeCloseTo(beta[j] / Math.sqrt(variance * inverse[j][j]), 6));
    const mean = y.reduce((sum, value) => sum + value, 0) / 40;
    const sst = y.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    expect(fit.rSquared).toBeCloseTo(1 - sse / sst, 10);
    expect(fit.adjustedRSquared).toBeCloseTo(1 - ((sse / 36) / (sst / 39)), 10);
    // The generating coefficients are recovered roughly, as a sanity check on the data.
    expect(fit.coefficients[1]).toBeCloseTo(2, 0);
  });

  it('predicts with the leverage-widened Student-t interval', () => {
    const fit = fitLinearRegression(rows, y);
    const x0 = [12, 10, 1];
    const { inverse, beta } = normalEquations(rows.map((row) => [1, ...row]), y);
    const row = [1, ...x0];
    const leverage = row.reduce((sum, a, i) => sum + row.reduce((inner, b, j) => inner + a * inverse[i][j] * b, 0), 0);
    const prediction = fit.predict(x0);
    expect(prediction.mean).toBeCloseTo(row.reduce((sum, v, j) => sum + v * beta[j], 0), 8);
    expect(prediction.standardError).toBeCloseTo(Math.sqrt(fit.residualVariance * (1 + leverage)), 8);
    // t(0.975; 36) = 2.028094.
    expect((prediction.upper95 - prediction.mean) / prediction.standardError).toBeCloseTo(2.028094, 4);
    expect(prediction.lower80).toBeGreaterThan(prediction.lower95);
  });

  it('fits without an intercept when asked (R² about zero)', () => {
    const fit = fitLinearRegression([[1], [2], [3], [4]], [2, 4.1, 5.9, 8], { intercept: false });
    const { beta } = normalEquations([[1], [2], [3], [4]], [2, 4.1, 5.9, 8]);
    expect(fit.coefficients[0]).toBeCloseTo(beta[0], 10);
    expect(fit.names).toEqual(['x1']);
    expect(fit.rSquared).toBeGreaterThan(0.99);
  });

  it('refuses a rank-deficient design and too few rows, naming the problem', () => {
    const collinear = rows.map(([a, b]) => [a, b, 2 * a - b]);
    expect(() => fitLinearRegression(collinear, y, { names: ['a', 'b', 'a2b'] })).toThrow(/rank deficient, column a2b/);
    expect(() => fitLinearRegression(rows.map(() => [0]), y)).toThrow(/rank deficient, column x1/);
    expect(() => fitLinearRegression(rows.slice(0, 4), y.slice(0, 4))).toThrow(/4 observations are too few for 4 coefficients/);
    expect(() => fitLinearRegression(rows, y.slice(1))).toThrow(RangeError);
    expect(() => fitLinearRegression([[1, NaN]], [1])).toThrow(/non-finite/);
  });

  it('finds the columns that keep the design full rank', () => {
    const design = rows.map(([a, b, c]) => [a, 0, b, a + b, c]);
    expect(independentColumns(design)).toEqual({ kept: [0, 2, 4], dropped: [1, 3] });
    // A constant column is the intercept again.
    expect(independentColumns(rows.map(([a]) => [7, a]))).toEqual({ kept: [1], dropped: [0] });
  });
});

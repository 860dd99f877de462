import { exponentialSmoothing, simulateExponentialSmoothing } from './exponential-smoothing';
import { etsForecastStandardDeviations, fitModel, seededNormal, studentTQuantile, unfitReason } from './forecast-models';

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

const sampleSd = (values: readonly number[]): number => {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
};

describe('naive and seasonal naive', () => {
  it('naive: last value, random-walk intervals σ·√h', () => {
    // One-step errors 1, 2, 3: σ² = 14/3.
    const model = fitModel('naive', [1, 2, 4, 7], { seasonalPeriod: 1 });
    const sigma = Math.sqrt(14 / 3);
    expect(model.residualStandardDeviation).toBeCloseTo(sigma, 12);
    expect(model.fitted).toEqual([null, 1, 2, 4]);
    const p = model.predict(4);
    expect(p.mean).toEqual([7, 7, 7, 7]);
    expect(p.upper95[3] - 7).toBeCloseTo(Z95 * sigma * 2, 10);
    expect(7 - p.lower80[0]).toBeCloseTo(Z80 * sigma, 10);
    expect(p.upper80[1] - 7).toBeCloseTo(Z80 * sigma * Math.SQRT2, 10);
  });

  it('seasonal naive: last season repeated, one error per season crossed', () => {
    const model = fitModel('seasonal-naive', [1, 5, 2, 6, 3, 7], { seasonalPeriod: 2 });
    expect(model.residualStandardDeviation).toBe(1);
    const p = model.predict(5);
    expect(p.mean).toEqual([3, 7, 3, 7, 3]);
    const sds = p.upper95.map((upper, i) => (upper - p.mean[i]) / Z95);
    [1, 1, Math.SQRT2, Math.SQRT2, Math.sqrt(3)].forEach((sd, i) => expect(sds[i]).toBeCloseTo(sd, 10));
  });
});

describe('moving average', () => {
  it('chooses the window with the smallest one-step SSE and uses its empirical h-step errors', () => {
    // Alternating 11, 9: any even window averages to exactly 10, an odd one does not.
    const series = Array.from({ length: 24 }, (_, t) => (t % 2 === 0 ? 11 : 9));
    const model = fitModel('moving-average', series, { seasonalPeriod: 12 });
    expect(model.parameters['window'] % 2).toBe(0);
    expect(model.intervalMethod).toBe('empirical');
    const p = model.predict(3);
    expect(p.mean).toEqual([10, 10, 10]);
    // Every in-sample h-step error is ±1.
    p.upper95.forEach((upper) => expect(upper).toBeCloseTo(10 + Z95, 10));
  });
});

describe('linear trend with seasonal dummies', () => {
  it('recovers a noiseless trend and season exactly', () => {
    const pattern = [5, -2, 0, -3];
    const at = (t: number) => 50 + 3 * t + pattern[t % 4];
    const model = fitModel('linear-trend-seasonal', Array.from({ length: 16 }, (_, t) => at(t)), { seasonalPeriod: 4 });
    expect(model.parameters['slope']).toBeCloseTo(3, 10);
    expect(model.parameters['intercept']).toBeCloseTo(50 + pattern[0], 10);
    expect(model.parameters['season2']).toBeCloseTo(pattern[2] - pattern[0], 10);
    model.forecast(6).forEach((value, i) => expect(value).toBeCloseTo(at(16 + i), 8));
    expect(model.residualStandardDeviation).toBeLessThan(1e-9);
  });

  it('uses Student-t quantiles for the residual degrees of freedom', () => {
    // Tables: t(0.975; 2) = 4.302653, t(0.975; 11) = 2.200985, t(0.975; 35) = 2.030108, t(0.9; 11) = 1.363430.
    expect(studentTQuantile(Z95, 2) / 4.302653 - 1).toBeGreaterThan(-0.01);
    expect(studentTQuantile(Z95, 11)).toBeCloseTo(2.200985, 4);
    expect(studentTQuantile(Z95, 35)).toBeCloseTo(2.030108, 5);
    expect(studentTQuantile(Z80, 11)).toBeCloseTo(1.36343, 5);

    // 16 points, p = 5 (m = 4): 11 degrees of freedom; h = 1 has leverage x₀ᵀ(XᵀX)⁻¹x₀ > 0.
    const normal = seededNormal(8);
    const series = Array.from({ length: 16 }, (_, t) => 20 + t + (t % 4) + normal());
    const model = fitModel('linear-trend-seasonal', series, { seasonalPeriod: 4 });
    const p = model.predict(1);
    const ratio = (p.upper95[0] - p.mean[0]) / (p.upper80[0] - p.mean[0]);
    expect(ratio).toBeCloseTo(2.200985 / 1.36343, 4);
    expect(p.upper95[0] - p.mean[0]).toBeGreaterThan(2.2 * model.residualStandardDeviation);
  });

  it('widens its intervals with the distance from the data (leverage)', () => {
    const normal = seededNormal(3);
    const series = Array.from({ length: 24 }, (_, t) => 100 + 2 * t + (t % 4) * 5 + 3 * normal());
    const p = fitModel('linear-trend-seasonal', series, { seasonalPeriod: 4 }).predict(12);
    const width = p.upper95.map((u, i) => u - p.lower95[i]);
    expect(width[11]).toBeGreaterThan(width[0] * 1.05);
  });
});

describe('ETS interval formulas', () => {
  it('reduce to the textbook closed forms for ETS(A,N,N) and ETS(A,A,N)', () => {
    const ses = etsForecastStandardDeviations({ trend: null, damped: false, seasonal: null }, { alpha: 0.3 }, 2, 5);
    ses.forEach((sd, i) => expect(sd).toBeCloseTo(2 * Math.sqrt(1 + i * 0.09), 12));

    // Hyndman & Athanasopoulos: σ_h² = σ²[1 + (h−1){α² + αβh + β²h(2h−1)/6}], β = α·β* = 0.1 here.
    const holt = etsForecastStandardDeviations({ trend: 'add', damped: false, seasonal: null }, { alpha: 0.4, beta: 0.25 }, 1, 6);
    const a = 0.4;
    const b = 0.1;
    holt.forEach((sd, i) => {
      const h = i + 1;
      expect(sd ** 2).toBeCloseTo(1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6), 12);
    });
  });

  it('agree with simulating the damped additive Holt–Winters model', () => {
    // Sizeable smoothing parameters so that every term of c_j matters.
    const spec = { trend: 'add', damped: true, seasonal: 'add', seasonalPeriod: 4 } as const;
    const params = { alpha: 0.25, beta: 0.3, gamma: 0.4, phi: 0.9 };
    const series = [12, 7, 9, 14, 13, 8, 10, 15];
    const result = exponentialSmoothing(series, spec, params, { level: 10, trend: 0.3, seasonal: [2, -3, -1, 2] });
    const paths = simulateExponentialSmoothing({ spec, params, states: result.states }, 10, 1, 20_000, seededNormal(11));
    const analytic = etsForecastStandardDeviations(spec, params, 1, 10);
    analytic.forEach((sd, i) => {
      const simulated = sampleSd(paths.map((path) => path[i]));
      expect(Math.abs(simulated / sd - 1)).toBeLessThan(0.03);
    });
    // The seasonal term enters at j = m: step 5's variance jumps by more than step 4's did.
    expect(analytic[4] ** 2 - analytic[3] ** 2).toBeGreaterThan(analytic[3] ** 2 - analytic[2] ** 2);
  });
});

describe('fitModel preconditions', () => {
  const monthly = Array.from({ length: 30 }, (_, t) => 100 + t + (t % 12));

  it('needs two full seasons for seasonal models and a positive series for multiplicative seasonality', () => {
    expect(unfitReason('holt-winters-additive', monthly.slice(0, 23), 12)).toMatch(/two full seasons/);
    expect(unfitReason('seasonal-naive', monthly.slice(0, 23), 12)).toMatch(/two full seasons/);
    expect(unfitReason('holt-winters-additive', monthly, 12)).toBeNull();
    const withZero = monthly.map((y, t) => (t === 3 ? 0 : y));
    expect(unfitReason('holt-winters-multiplicative', withZero, 12)).toMatch(/> 0/);
    expect(unfitReason('holt-winters-additive', withZero, 12)).toBeNull();
    expect(unfitReason('linear-trend-seasonal', monthly.slice(0, 5), 1)).toBeNull();
    expect(() => fitModel('holt-winters-multiplicative', withZero, { seasonalPeriod: 12 })).toThrow(RangeError);
  });

  it('rejects a horizon that is not a positive integer', () => {
    const model = fitModel('ses', monthly, { seasonalPeriod: 12 });
    expect(() => model.forecast(0)).toThrow(RangeError);
    expect(() => model.predict(1.5)).toThrow(RangeError);
  });
});

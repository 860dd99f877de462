import { timeToCloseDistribution } from './time-to-close';

describe('timeToCloseDistribution', () => {
  it('is the right-continuous empirical CDF', () => {
    const samples = [40, 20, 10, 20];
    const distribution = timeToCloseDistribution(samples);
    expect(distribution).toMatchObject({ source: 'empirical', samples: 4, sortedDays: [10, 20, 20, 40] });
    expect(samples).toEqual([40, 20, 10, 20]);
    const cases: [number, number][] = [
      [-1, 0],
      [0, 0],
      [9.9, 0],
      [10, 0.25],
      [19.9, 0.25],
      [20, 0.75],
      [39, 0.75],
      [40, 1],
      [Infinity, 1],
    ];
    for (const [days, probability] of cases) expect(distribution.probabilityWithin(days)).toBe(probability);
  });

  it('falls back to a constant (1 by default) for non-negative horizons when there are no samples', () => {
    const fallback = timeToCloseDistribution([]);
    expect(fallback.source).toBe('fallback');
    expect(fallback.probabilityWithin(30)).toBe(1);
    expect(fallback.probabilityWithin(-1)).toBe(0);
    expect(timeToCloseDistribution([], { whenNoSamples: 0 }).probabilityWithin(30)).toBe(0);
  });

  it('rejects bad samples and horizons', () => {
    expect(() => timeToCloseDistribution([3, -1])).toThrow(RangeError);
    expect(() => timeToCloseDistribution([Number.NaN])).toThrow(RangeError);
    expect(() => timeToCloseDistribution([1]).probabilityWithin(Number.NaN)).toThrow(RangeError);
  });
});

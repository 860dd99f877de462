import { MAPE_UNDEFINED_NOTE, MASE_UNDEFINED_NOTE, forecastAccuracy, naiveScale } from './accuracy';

describe('naiveScale', () => {
  it('is the in-sample MAE of the seasonal naive forecast', () => {
    // m = 2: |2−1|, |4−3|, |3−2|, |6−4| → (1 + 1 + 1 + 2) / 4.
    expect(naiveScale([1, 3, 2, 4, 3, 6], 2)).toBe(5 / 4);
  });

  it('falls back to lag 1 without seasonality or with at most one season of history', () => {
    expect(naiveScale([1, 3, 2, 4], 1)).toBe((2 + 1 + 2) / 3);
    expect(naiveScale([1, 3, 2, 4], 4)).toBe((2 + 1 + 2) / 3);
    expect(() => naiveScale([5], 1)).toThrow(RangeError);
  });
});

describe('forecastAccuracy', () => {
  // Training [1, 3, 2, 4, 3, 5] with m = 2 has seasonal-naive errors 1, 1, 1, 1, so q = 1.
  const training = [1, 3, 2, 4, 3, 5];

  it('matches a hand-computed example', () => {
    // Actual 4, 6; forecast 5, 4; errors 1, 2.
    const metrics = forecastAccuracy([{ training, actual: [4, 6], forecast: [5, 4] }], 2);
    expect(metrics.count).toBe(2);
    expect(metrics.mae).toBe(1.5);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt((1 + 4) / 2), 12);
    expect(metrics.mape).toBeCloseTo((100 * (1 / 4 + 2 / 6)) / 2, 12); // 29.17 %
    expect(metrics.smape).toBeCloseTo((100 * ((2 * 1) / 9 + (2 * 2) / 10)) / 2, 12); // 31.11 %
    expect(metrics.mase).toBe(1.5);
    expect(metrics.mapeNote).toBeUndefined();
    expect(metrics.maseNote).toBeUndefined();
  });

  it('reports MAPE as undefined, and says so, when an actual value is zero', () => {
    // Actual 0, 6; forecast 1, 4. sMAPE stays defined: 2·1/(0 + 1) and 2·2/(6 + 4).
    const metrics = forecastAccuracy([{ training, actual: [0, 6], forecast: [1, 4] }], 2);
    expect(metrics.mape).toBeNull();
    expect(metrics.mapeNote).toBe(MAPE_UNDEFINED_NOTE);
    expect(MAPE_UNDEFINED_NOTE).toBe('undefined: the series has zeros');
    expect(metrics.smape).toBeCloseTo((100 * (2 + 0.4)) / 2, 12);
    expect(metrics.mae).toBe(1.5);
    expect(metrics.mase).toBe(1.5);
  });

  it('counts an exact zero forecast of a zero as no sMAPE error', () => {
    expect(forecastAccuracy([{ training, actual: [0], forecast: [0] }], 2).smape).toBe(0);
  });

  it('scales each fold by its own training series for MASE', () => {
    // Fold 2: training [0, 0, 2, 2] has q = (2 + 2)/2 = 2 and one error of 2 → scaled 1.
    const metrics = forecastAccuracy(
      [
        { training, actual: [4, 6], forecast: [5, 4] },
        { training: [0, 0, 2, 2], actual: [3], forecast: [1] },
      ],
      2,
    );
    expect(metrics.mae).toBeCloseTo((1 + 2 + 2) / 3, 12);
    expect(metrics.mase).toBeCloseTo((1 + 2 + 1) / 3, 12);
  });

  it('reports MASE as undefined when a training series gives a zero scale', () => {
    const metrics = forecastAccuracy([{ training: [5, 5, 5, 5], actual: [5], forecast: [6] }], 2);
    expect(metrics.mase).toBeNull();
    expect(metrics.maseNote).toBe(MASE_UNDEFINED_NOTE);
  });

  it('rejects mismatched or empty input', () => {
    expect(() => forecastAccuracy([{ training, actual: [1, 2], forecast: [1] }], 2)).toThrow(RangeError);
    expect(() => forecastAccuracy([], 2)).toThrow(RangeError);
  });
});

import { BinaryLabel } from './logistic-regression';
import { accuracy, logLoss, rocAuc } from './metrics';
import { seededRandom } from './random';

/** The definition itself, over all positive/negative pairs, to check the rank formula against. */
const pairwiseAuc = (scores: number[], labels: BinaryLabel[]): number => {
  let credit = 0;
  let pairs = 0;
  scores.forEach((positive, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((negative, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      credit += positive > negative ? 1 : positive === negative ? 0.5 : 0;
    });
  });
  return credit / pairs;
};

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for constant scores', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('matches the textbook example', () => {
    // scikit-learn's documented example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('gives tied positive/negative pairs half credit', () => {
    // Pairs (positive, negative): (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1.
    expect(rocAuc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(3.5 / 4);
    expect(rocAuc([1, 1, 1, 0], [1, 0, 0, 0])).toBe((0.5 + 0.5 + 1) / 3);
  });

  it('agrees with the pairwise definition on random scores with many ties', () => {
    const random = seededRandom(7);
    const scores = Array.from({ length: 300 }, () => Math.round(random() * 20) / 20);
    const labels = scores.map((score): BinaryLabel => (random() < 0.2 + 0.6 * score ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
  });

  it('rejects single-class labels, NaN scores and mismatched lengths', () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(RangeError);
    expect(() => rocAuc([Number.NaN, 0.2], [0, 1])).toThrow(RangeError);
    expect(() => rocAuc([0.1], [0, 1])).toThrow(RangeError);
  });
});

describe('logLoss', () => {
  it('is the mean negative log-likelihood', () => {
    expect(logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 14);
    expect(logLoss([0.5], [1])).toBeCloseTo(Math.LN2, 14);
  });

  it('clips certain mistakes to a large finite loss', () => {
    const loss = logLoss([0, 1], [1, 0]);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(-Math.log(1e-15), 1);
    expect(logLoss([1, 0], [1, 0])).toBeLessThan(1e-14);
  });
});

describe('accuracy', () => {
  it('thresholds at 0.5 by default, at or above predicting 1', () => {
    expect(accuracy([0.9, 0.5, 0.49, 0.1], [1, 1, 0, 1])).toBe(0.75);
    expect(accuracy([0.9, 0.5, 0.49, 0.1], [1, 1, 0, 1], 0.05)).toBe(0.75);
    expect(accuracy([0.9, 0.5, 0.49, 0.1], [1, 0, 0, 0], 0.6)).toBe(1);
  });
});

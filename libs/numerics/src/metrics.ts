import type { BinaryLabel } from './logistic-regression';

const checkLengths = (name: string, values: readonly number[], labels: readonly number[]): void => {
  if (values.length !== labels.length) throw new RangeError(`${name}: ${values.length} values but ${labels.length} labels`);
  if (values.length === 0) throw new RangeError(`${name}: no values`);
  labels.forEach((label, i) => {
    if (label !== 0 && label !== 1) throw new RangeError(`${name}: label ${i} is not 0 or 1`);
  });
};

/**
 * Area under the ROC curve in its Mann–Whitney form: the probability that a random positive scores
 * above a random negative, ties counting one half. Ties are handled by giving tied scores their
 * average rank, which is exactly that half credit, in O(n log n) rather than comparing all pairs.
 * Undefined (throws) when only one class is present, since there is no pair to compare.
 */
export const rocAuc = (scores: readonly number[], labels: readonly BinaryLabel[]): number => {
  checkLengths('rocAuc', scores, labels);
  if (!scores.every((score) => !Number.isNaN(score))) throw new RangeError('rocAuc: scores contain NaN');
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new RangeError('rocAuc: both classes must be present');

  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    // Ranks are 1-based; the tie group occupies ranks start+1 … end+1.
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) if (labels[order[k]] === 1) positiveRankSum += averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

/**
 * Mean negative log-likelihood. Probabilities are clipped to [ε, 1−ε] so that a single confident
 * mistake yields a large but finite loss rather than Infinity (the same convention as scikit-learn).
 */
export const logLoss = (probabilities: readonly number[], labels: readonly BinaryLabel[], epsilon = 1e-15): number => {
  checkLengths('logLoss', probabilities, labels);
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(Math.max(probabilities[i], epsilon), 1 - epsilon);
    total -= labels[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return total / probabilities.length;
};

/** Share of rows whose thresholded probability (≥ threshold predicts 1) equals the label. */
export const accuracy = (probabilities: readonly number[], labels: readonly BinaryLabel[], threshold = 0.5): number => {
  checkLengths('accuracy', probabilities, labels);
  let correct = 0;
  for (let i = 0; i < probabilities.length; i++) if ((probabilities[i] >= threshold ? 1 : 0) === labels[i]) correct++;
  return correct / probabilities.length;
};

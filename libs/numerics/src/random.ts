/**
 * mulberry32: a tiny 32-bit PRNG. Not cryptographic; chosen because it is fast, has a full 2³²
 * period per seed and, unlike Math.random, is reproducible, so train/test splits and simulations
 * give the same answer on every run and machine.
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export type TrainTestSplit = {
  /** Row indices for fitting, ascending. */
  train: number[];
  /** Row indices held out for evaluation, ascending. */
  test: number[];
};

/**
 * Random partition of 0…n−1 with round(n·holdoutFraction) rows held out, reproducible from the seed.
 * Indices come back sorted so that the split, not the shuffle order, is what callers depend on.
 */
export const trainTestSplit = (n: number, holdoutFraction: number, seed: number): TrainTestSplit => {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('trainTestSplit: n must be a non-negative integer');
  if (!(holdoutFraction >= 0 && holdoutFraction <= 1)) throw new RangeError('trainTestSplit: holdoutFraction must be within [0, 1]');
  const random = seededRandom(seed);
  const indices = Array.from({ length: n }, (_, i) => i);
  // Fisher–Yates: every permutation equally likely.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  const holdout = Math.round(n * holdoutFraction);
  const byIndex = (a: number, b: number) => a - b;
  return { test: indices.slice(0, holdout).sort(byIndex), train: indices.slice(holdout).sort(byIndex) };
};

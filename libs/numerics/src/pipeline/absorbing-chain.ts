import { identity, Matrix } from '../linear-algebra';

export type AbsorbingChain = {
  /** Fundamental matrix (I−Q)⁻¹: `N[i][j]` is the expected number of visits to transient state j starting from i (the start counts). */
  N: Matrix;
  /** N·R: `B[i][k]` is the probability of ending in absorbing state k starting from transient state i. */
  B: Matrix;
  /** Column 0 of B (Won, by this library's convention that R's columns are [Won, Lost]). */
  winProbability: number[];
  /** Row sums of N: expected number of steps (visits to transient states) before absorption. */
  expectedSteps: number[];
};

// Rows of a transition matrix are sums of rounded probabilities; anything beyond this is a caller bug.
const rowSumTolerance = 1e-9;

/**
 * Solves an absorbing Markov chain in canonical form: Q holds transient→transient probabilities
 * (n×n), R transient→absorbing ones (n×m); every row of [Q R] must sum to 1. Throws a RangeError
 * when I−Q is singular, which happens exactly when some transient states can never be absorbed (a
 * closed loop of open stages), because then no finite expectation exists.
 */
export const absorbingChain = (Q: readonly (readonly number[])[], R: readonly (readonly number[])[]): AbsorbingChain => {
  const n = Q.length;
  if (R.length !== n) throw new RangeError(`absorbingChain: Q has ${n} rows but R has ${R.length}`);
  const m = n === 0 ? 0 : R[0].length;
  if (n > 0 && m === 0) throw new RangeError('absorbingChain: R needs at least one absorbing column');
  for (let i = 0; i < n; i++) {
    if (Q[i].length !== n) throw new RangeError('absorbingChain: Q must be square');
    if (R[i].length !== m) throw new RangeError('absorbingChain: R rows differ in length');
    const row = [...Q[i], ...R[i]];
    if (!row.every((p) => Number.isFinite(p) && p >= 0 && p <= 1)) throw new RangeError(`absorbingChain: row ${i} has a value outside [0, 1]`);
    const sum = row.reduce((total, p) => total + p, 0);
    if (Math.abs(sum - 1) > rowSumTolerance) throw new RangeError(`absorbingChain: row ${i} sums to ${sum}, not 1`);
  }

  const iMinusQ = identity(n).map((row, i) => row.map((value, j) => value - Q[i][j]));
  const N = invert(iMinusQ);
  const B = N.map((row) => Array.from({ length: m }, (_, k) => row.reduce((sum, value, j) => sum + value * R[j][k], 0)));
  return {
    N,
    B,
    winProbability: B.map((row) => row[0]),
    expectedSteps: N.map((row) => row.reduce((sum, value) => sum + value, 0)),
  };
};

/**
 * Gauss–Jordan with partial pivoting. I−Q is not symmetric, so the library's Cholesky solver does not
 * apply; for the handful of pipeline stages an explicit inverse is cheap and N itself is wanted.
 */
const invert = (matrix: readonly (readonly number[])[]): Matrix => {
  const n = matrix.length;
  const work = matrix.map((row, i) => [...row, ...identity(n)[i]]);
  const scale = work.reduce((max, row) => Math.max(max, ...row.slice(0, n).map(Math.abs)), 0);
  for (let column = 0; column < n; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < n; row++) if (Math.abs(work[row][column]) > Math.abs(work[pivotRow][column])) pivotRow = row;
    if (!(Math.abs(work[pivotRow][column]) > scale * 1e-12)) {
      throw new RangeError('absorbingChain: I−Q is singular (some states never reach an absorbing state)');
    }
    [work[column], work[pivotRow]] = [work[pivotRow], work[column]];
    const pivot = work[column][column];
    for (let k = 0; k < 2 * n; k++) work[column][k] /= pivot;
    for (let row = 0; row < n; row++) {
      const factor = work[row][column];
      if (row === column || factor === 0) continue;
      for (let k = 0; k < 2 * n; k++) work[row][k] -= factor * work[column][k];
    }
  }
  return work.map((row) => row.slice(n));
};

/**
 * Small dense linear algebra for the model fitters. The systems solved here are a few dozen
 * unknowns at most (one per encoded feature), so plain arrays and O(n³) Cholesky are ample and keep
 * the library free of native or heavyweight dependencies.
 */

export type Vector = number[];
/** Row-major: `matrix[row][column]`. */
export type Matrix = number[][];

export const dot = (a: readonly number[], b: readonly number[]): number => {
  if (a.length !== b.length) throw new RangeError(`dot: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
};

export const matVec = (matrix: readonly (readonly number[])[], vector: readonly number[]): Vector =>
  matrix.map((row) => dot(row, vector));

export const identity = (size: number): Matrix =>
  Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => (i === j ? 1 : 0)));

export const maxAbs = (values: readonly number[]): number => values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);

/**
 * Lower-triangular L with A = L·Lᵀ, or null when A is not (numerically) symmetric positive definite.
 * Only the lower triangle of A is read. Returning null instead of throwing lets callers decide how to
 * regularise, which is the normal path for singular Hessians rather than an exceptional one.
 */
export const choleskyDecompose = (matrix: readonly (readonly number[])[]): Matrix | null => {
  const n = matrix.length;
  const lower: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    if (matrix[j].length !== n) throw new RangeError('choleskyDecompose: matrix must be square');
    let diagonal = matrix[j][j];
    for (let k = 0; k < j; k++) diagonal -= lower[j][k] * lower[j][k];
    // A pivot that is not clearly positive relative to the original diagonal means rank deficiency;
    // accepting it would divide by rounding noise and produce enormous, meaningless solutions.
    if (!(diagonal > Math.abs(matrix[j][j]) * 1e-14) || !Number.isFinite(diagonal)) return null;
    const pivot = Math.sqrt(diagonal);
    lower[j][j] = pivot;
    for (let i = j + 1; i < n; i++) {
      let sum = matrix[i][j];
      for (let k = 0; k < j; k++) sum -= lower[i][k] * lower[j][k];
      lower[i][j] = sum / pivot;
    }
  }
  return lower;
};

/** Solves L·Lᵀ·x = b by forward then backward substitution. */
export const choleskySolve = (lower: readonly (readonly number[])[], rhs: readonly number[]): Vector => {
  const n = lower.length;
  if (rhs.length !== n) throw new RangeError('choleskySolve: right-hand side has the wrong length');
  const forward = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = rhs[i];
    for (let k = 0; k < i; k++) sum -= lower[i][k] * forward[k];
    forward[i] = sum / lower[i][i];
  }
  const solution = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = forward[i];
    for (let k = i + 1; k < n; k++) sum -= lower[k][i] * solution[k];
    solution[i] = sum / lower[i][i];
  }
  return solution;
};

export type SpdSolveResult = {
  solution: Vector;
  /** The ridge added to the diagonal to make the factorisation succeed; 0 when none was needed. */
  jitter: number;
};

/**
 * Solves A·x = b for symmetric positive (semi-)definite A. When A is singular or indefinite by
 * rounding, a ridge growing tenfold from `initialJitter`·(mean diagonal) is added until Cholesky
 * succeeds (or `maxAttempts` is exhausted, which throws): a semi-definite Hessian then yields a
 * small, nearly minimum-norm step along its null space instead of NaN/Infinity. The ridge scales with the diagonal so that tiny Hessians (e.g. at
 * near-separation, where every weight p(1-p) is minute) are not swamped by an absolute constant.
 */
export const solveSymmetricPositiveDefinite = (
  matrix: readonly (readonly number[])[],
  rhs: readonly number[],
  options: { initialJitter?: number; maxAttempts?: number } = {},
): SpdSolveResult => {
  const n = matrix.length;
  if (n === 0) return { solution: [], jitter: 0 };
  const exact = choleskyDecompose(matrix);
  if (exact) return { solution: choleskySolve(exact, rhs), jitter: 0 };

  let diagonalScale = 0;
  for (let i = 0; i < n; i++) diagonalScale += Math.abs(matrix[i][i]);
  diagonalScale /= n;
  // Near the bottom of the double range the products inside Cholesky underflow and no relative
  // ridge can help, so such a matrix is treated as the zero matrix it practically is.
  if (!(diagonalScale > 1e-250) || !Number.isFinite(diagonalScale)) diagonalScale = 1;

  let jitter = (options.initialJitter ?? 1e-10) * diagonalScale;
  // Capped at 1e-4 of the diagonal: a ridge that large is no longer a rounding repair, and a matrix
  // that still fails is genuinely indefinite, which callers must hear about rather than get a guess.
  const maxAttempts = options.maxAttempts ?? 7;
  for (let attempt = 0; attempt < maxAttempts; attempt++, jitter *= 10) {
    const ridged = matrix.map((row, i) => row.map((value, j) => (i === j ? value + jitter : value)));
    const lower = choleskyDecompose(ridged);
    if (lower) return { solution: choleskySolve(lower, rhs), jitter };
  }
  throw new RangeError('solveSymmetricPositiveDefinite: matrix is not positive semi-definite');
};

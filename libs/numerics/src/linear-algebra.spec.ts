import { choleskyDecompose, choleskySolve, matVec, solveSymmetricPositiveDefinite } from './linear-algebra';

describe('Cholesky', () => {
  const spd = [
    [4, 12, -16],
    [12, 37, -43],
    [-16, -43, 98],
  ];

  it('factorises the textbook example exactly', () => {
    expect(choleskyDecompose(spd)).toEqual([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
  });

  it('solves A·x = b', () => {
    const lower = choleskyDecompose(spd);
    expect(lower).not.toBeNull();
    const x = choleskySolve(lower ?? [], [1, 2, 3]);
    matVec(spd, x).forEach((value, i) => expect(value).toBeCloseTo([1, 2, 3][i], 10));
  });

  it('refuses singular and indefinite matrices', () => {
    expect(choleskyDecompose([[1, 1], [1, 1]])).toBeNull();
    expect(choleskyDecompose([[1, 2], [2, 1]])).toBeNull();
    expect(choleskyDecompose([[0]])).toBeNull();
  });
});

describe('solveSymmetricPositiveDefinite', () => {
  it('needs no jitter for a positive definite matrix', () => {
    const result = solveSymmetricPositiveDefinite([[4, 0], [0, 16]], [2, 2]);
    expect(result).toEqual({ solution: [0.5, 0.125], jitter: 0 });
  });

  it('adds a small ridge to a singular matrix and stays finite', () => {
    const result = solveSymmetricPositiveDefinite([[1, 1], [1, 1]], [2, 2]);
    expect(result.jitter).toBeGreaterThan(0);
    expect(result.jitter).toBeLessThan(1e-6);
    expect(result.solution.every(Number.isFinite)).toBe(true);
    // The rhs lies in the range, so the ridge solution approaches the minimum-norm one, [1, 1].
    result.solution.forEach((value) => expect(value).toBeCloseTo(1, 4));
  });

  it('copes with an all-zero matrix', () => {
    const result = solveSymmetricPositiveDefinite([[0, 0], [0, 0]], [0, 0]);
    expect(result.solution).toEqual([0, 0]);
  });

  it('refuses a clearly indefinite matrix', () => {
    expect(() => solveSymmetricPositiveDefinite([[1, 0], [0, -1]], [1, 1])).toThrow(RangeError);
  });
});

import { seededRandom, trainTestSplit } from './random';

describe('seededRandom', () => {
  it('is reproducible per seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const random = seededRandom(1);
    const draws = Array.from({ length: 20_000 }, () => random());
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const lowDecile = draws.filter((value) => value < 0.1).length / draws.length;
    expect(lowDecile).toBeGreaterThan(0.09);
    expect(lowDecile).toBeLessThan(0.11);
  });
});

describe('trainTestSplit', () => {
  it('partitions the indices with the requested hold-out size, reproducibly', () => {
    const split = trainTestSplit(101, 0.25, 9);
    expect(split.test).toHaveLength(25);
    expect(split.train).toHaveLength(76);
    expect([...split.train, ...split.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(split.test).toEqual([...split.test].sort((a, b) => a - b));
    expect(trainTestSplit(101, 0.25, 9)).toEqual(split);
    expect(trainTestSplit(101, 0.25, 10)).not.toEqual(split);
  });

  it('handles the edges and rejects nonsense', () => {
    expect(trainTestSplit(0, 0.5, 1)).toEqual({ train: [], test: [] });
    expect(trainTestSplit(4, 0, 1).test).toEqual([]);
    expect(trainTestSplit(4, 1, 1).train).toEqual([]);
    expect(() => trainTestSplit(4, 1.5, 1)).toThrow(RangeError);
    expect(() => trainTestSplit(-1, 0.5, 1)).toThrow(RangeError);
  });
});

export type TimeToCloseDistribution = {
  /** 'fallback' when there were no samples (see `timeToCloseDistribution`). */
  source: 'empirical' | 'fallback';
  samples: number;
  /** The samples, ascending; plain data so the distribution can be stored and rebuilt. */
  sortedDays: number[];
  /** P(close within `days`): the empirical CDF, right-continuous (a sample equal to `days` counts). */
  probabilityWithin: (days: number) => number;
};

/**
 * Empirical distribution of days-to-close, from closed deals measured from whatever point the caller
 * chose (e.g. entering the current stage). With no samples there is nothing to learn timing from,
 * so the fallback is `whenNoSamples` (default 1) for every non-negative horizon: the forecast then
 * reduces to amount × P(win), the plain stage-weighted pipeline, rather than silently dropping to 0.
 */
export const timeToCloseDistribution = (samples: readonly number[], options: { whenNoSamples?: number } = {}): TimeToCloseDistribution => {
  const whenNoSamples = options.whenNoSamples ?? 1;
  if (!(whenNoSamples >= 0 && whenNoSamples <= 1)) throw new RangeError('timeToCloseDistribution: whenNoSamples must be within [0, 1]');
  if (!samples.every((days) => Number.isFinite(days) && days >= 0)) {
    throw new RangeError('timeToCloseDistribution: samples must be non-negative numbers');
  }
  const sortedDays = [...samples].sort((a, b) => a - b);
  const n = sortedDays.length;
  const probabilityWithin = (days: number): number => {
    if (Number.isNaN(days)) throw new RangeError('timeToCloseDistribution: days is NaN');
    if (days < 0) return 0;
    if (n === 0) return whenNoSamples;
    // Upper bound: the number of samples ≤ days.
    let low = 0;
    let high = n;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sortedDays[middle] <= days) low = middle + 1;
      else high = middle;
    }
    return low / n;
  };
  return { source: n === 0 ? 'fallback' : 'empirical', samples: n, sortedDays, probabilityWithin };
};

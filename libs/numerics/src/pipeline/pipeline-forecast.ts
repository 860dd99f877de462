import { quantileSorted } from 'simple-statistics';
import { seededRandom } from '../random';

export type ForecastDeal = {
  id: string;
  /** Minor units (e.g. cents), one currency per call; the caller formats money. */
  amountMinor: number;
  /** P(win), 0–1, e.g. from the stage model. */
  winProbability: number;
  /** P(close within the period), 0–1, e.g. from the time-to-close distribution. */
  closeProbability: number;
  forecastCategory: string;
  ownerId?: string;
  teamId?: string;
};

export type PipelineForecastOptions = {
  draws?: number;
  /** Required: the simulation must give the same answer on every run. */
  seed: number;
};

export type ForecastTotals = {
  deals: number;
  /** Unweighted sum of amounts. */
  amountMinor: number;
  /** Σ amount × P(win) × P(close within the period); fractional minor units, not rounded. */
  expected: number;
};

export type PipelineForecast = {
  expected: number;
  /** Always holds the four standard categories, plus any other category a deal carries. */
  byCategory: Record<string, ForecastTotals>;
  /** Deals without an owner (team) are under `unassignedForecastGroup`. */
  byOwner: Record<string, ForecastTotals>;
  byTeam: Record<string, ForecastTotals>;
  /** Percentiles use linear interpolation between order statistics (numpy's default). */
  monteCarlo: { mean: number; p10: number; p50: number; p90: number; draws: number; seed: number };
};

export const unassignedForecastGroup = '(unassigned)';
const standardCategories = ['Closed', 'Commit', 'Best Case', 'Pipeline'];

const emptyTotals = (): ForecastTotals => ({ deals: 0, amountMinor: 0, expected: 0 });

/**
 * Expected revenue and its distribution for one period. Each deal lands with probability
 * P(win) × P(close within the period), independently of the others: that makes the expectation
 * exact and the Monte Carlo spread a lower bound whenever deals share a fate (same buyer, same
 * quarter-end push), which independence cannot see.
 */
export const pipelineForecast = (deals: readonly ForecastDeal[], options: PipelineForecastOptions): PipelineForecast => {
  const draws = options.draws ?? 10_000;
  const { seed } = options;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError('pipelineForecast: draws must be a positive integer');
  if (!Number.isInteger(seed)) throw new RangeError('pipelineForecast: seed must be an integer');

  const ids = new Set<string>();
  const byCategory: Record<string, ForecastTotals> = Object.fromEntries(standardCategories.map((category) => [category, emptyTotals()]));
  const byOwner: Record<string, ForecastTotals> = {};
  const byTeam: Record<string, ForecastTotals> = {};
  const amounts = new Float64Array(deals.length);
  const landing = new Float64Array(deals.length);
  let expected = 0;
  deals.forEach((deal, i) => {
    if (ids.has(deal.id)) throw new RangeError(`pipelineForecast: deal ${deal.id} appears twice`);
    ids.add(deal.id);
    if (!(Number.isFinite(deal.amountMinor) && deal.amountMinor >= 0)) throw new RangeError(`pipelineForecast: amount of ${deal.id} must be non-negative`);
    for (const p of [deal.winProbability, deal.closeProbability]) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`pipelineForecast: probabilities of ${deal.id} must be within [0, 1]`);
    }
    amounts[i] = deal.amountMinor;
    landing[i] = deal.winProbability * deal.closeProbability;
    const weighted = deal.amountMinor * landing[i];
    expected += weighted;
    for (const [groups, key] of [
      [byCategory, deal.forecastCategory],
      [byOwner, deal.ownerId ?? unassignedForecastGroup],
      [byTeam, deal.teamId ?? unassignedForecastGroup],
    ] as const) {
      const totals = (groups[key] ??= emptyTotals());
      totals.deals++;
      totals.amountMinor += deal.amountMinor;
      totals.expected += weighted;
    }
  });

  const random = seededRandom(seed);
  const outcomes = new Float64Array(draws);
  for (let draw = 0; draw < draws; draw++) {
    let total = 0;
    for (let i = 0; i < amounts.length; i++) if (random() < landing[i]) total += amounts[i];
    outcomes[draw] = total;
  }
  const sorted = Array.from(outcomes).sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / draws;
  return {
    expected,
    byCategory,
    byOwner,
    byTeam,
    monteCarlo: {
      mean,
      p10: quantileSorted(sorted, 0.1),
      p50: quantileSorted(sorted, 0.5),
      p90: quantileSorted(sorted, 0.9),
      draws,
      seed,
    },
  };
};

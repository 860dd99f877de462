import { mean, median } from 'simple-statistics';

/**
 * A figure that may not exist for a period: `value` is null exactly when `reason` says why (no
 * division by zero, no invented zero).
 */
export type Figure = { value: number | null; reason?: string };

export const figure = (value: number): Figure => ({ value });
export const missing = (reason: string): Figure => ({ value: null, reason });

/** numerator ÷ denominator, or null with `reasonWhenEmpty` when the denominator is zero. */
export const ratio = (numerator: number, denominator: number, reasonWhenEmpty: string): Figure =>
  denominator === 0 ? missing(reasonWhenEmpty) : figure(numerator / denominator);

export const medianOf = (values: readonly number[], reasonWhenEmpty: string): Figure => (values.length === 0 ? missing(reasonWhenEmpty) : figure(median([...values])));
export const meanOf = (values: readonly number[], reasonWhenEmpty: string): Figure => (values.length === 0 ? missing(reasonWhenEmpty) : figure(mean([...values])));

/**
 * Pipeline velocity, money per day: open deals × win rate × average deal size ÷ average sales
 * cycle (days). Null, with the first missing input's reason, when any input is missing or the
 * cycle is zero days long.
 */
export const pipelineVelocity = (openDeals: number, winRate: Figure, averageDealSize: Figure, averageCycleDays: Figure): Figure => {
  for (const input of [winRate, averageDealSize, averageCycleDays]) if (input.value === null) return missing(input.reason ?? 'an input is missing');
  if (averageCycleDays.value === 0) return missing('the average sales cycle is zero days long');
  return figure((openDeals * (winRate.value as number) * (averageDealSize.value as number)) / (averageCycleDays.value as number));
};

/** Customer acquisition cost: marketing cost ÷ customers won, when both are known. */
export const customerAcquisitionCost = (marketingCost: number | null, customersWon: number): Figure => {
  if (marketingCost === null) return missing('no marketing cost was recorded for the period');
  return ratio(marketingCost, customersWon, 'no customer was won in the period');
};

/** attainment % = achieved ÷ target × 100. */
export const attainmentPercent = (achieved: number, target: number): Figure => (target === 0 ? missing('the target is zero') : figure((achieved / target) * 100));

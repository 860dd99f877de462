import { EventData } from '../envelope';
import { Money } from '../money';

/**
 * A reporting period: a calendar month (`2026-03`) or quarter (`2026-Q1`), in UTC. Targets and
 * marketing costs are recorded per period.
 */
export const periodPattern = /^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$/;

/** Who a sales target is for: one owner, a team, or everyone reporting to a manager. */
export const targetScopes = ['owner', 'team', 'manager'] as const;
export type TargetScope = (typeof targetScopes)[number];

/** Marketing spend of one lead source in one period, replacing what was recorded for it before. */
export type MarketingCostRecorded = EventData<'MarketingCostRecorded', { source: string; period: string; amount: Money }>;
/** A won-revenue target for one scope and period, replacing the earlier one. */
export type TargetSet = EventData<'TargetSet', { scope: TargetScope; scopeId: string; period: string; amount: Money }>;

/**
 * A forecast of a period's won revenue as it stood when recorded, kept so that its accuracy can be
 * measured once the period is over. `method` is `pipeline` (the probability-weighted pipeline) or
 * `revenue:<model>` (a time-series model of past won revenue).
 */
export type ForecastRecorded = EventData<
  'ForecastRecorded',
  { period: string; method: string; expected: Money; p10?: Money; p90?: Money; asOf: string }
>;

export type AnalyticsEvent = MarketingCostRecorded | TargetSet | ForecastRecorded;

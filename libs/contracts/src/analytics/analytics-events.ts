import { EventData } from '../envelope';
import { Money } from '../money';
import { ActivityType } from '../tasks/task-events';

/**
 * A reporting period: a calendar month (`2026-03`) or quarter (`2026-Q1`), in UTC. Targets and
 * marketing costs are recorded per period.
 */
export const periodPattern = /^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$/;

/** Who a sales target is for: one owner, a team, or everyone reporting to a manager. */
export const targetScopes = ['owner', 'team', 'manager'] as const;
export type TargetScope = (typeof targetScopes)[number];

/**
 * What a target counts: won revenue (money), or activities of one type logged by the scope's
 * members (a count). A `TargetSet` without `metric` is a revenue target, as every one recorded
 * before activity targets existed.
 */
export const targetMetrics = ['revenue', 'calls', 'meetings', 'emails'] as const;
export type TargetMetric = (typeof targetMetrics)[number];
export type ActivityMetric = Exclude<TargetMetric, 'revenue'>;
export const activityMetrics = ['calls', 'meetings', 'emails'] as const satisfies readonly ActivityMetric[];
/** The activity type (`ActivityLogged.activityType`) each activity metric counts. */
export const activityTypeOfMetric: Record<ActivityMetric, ActivityType> = { calls: 'call', meetings: 'meeting', emails: 'email' };

/** Marketing spend of one lead source in one period, replacing what was recorded for it before. */
export type MarketingCostRecorded = EventData<'MarketingCostRecorded', { source: string; period: string; amount: Money }>;
/**
 * A target for one scope, period and metric, replacing the earlier one: `amount` for revenue (no
 * `metric`, or `revenue`), `count` for an activity metric.
 */
export type TargetSet = EventData<'TargetSet', { scope: TargetScope; scopeId: string; period: string; amount?: Money; metric?: TargetMetric; count?: number }>;

/**
 * The activity plan's ratios in one currency: per `per` of revenue target, this many activities of
 * each metric are planned (e.g. 4 calls and 1 meeting per 1,000.00 EUR). Replaces the earlier ratios.
 */
export type ActivityRatiosSet = EventData<'ActivityRatiosSet', { per: Money; ratios: Partial<Record<ActivityMetric, number>> }>;

/**
 * A forecast of a period's won revenue as it stood when recorded, kept so that its accuracy can be
 * measured once the period is over. `method` is `pipeline` (the probability-weighted pipeline) or
 * `revenue:<model>` (a time-series model of past won revenue).
 */
export type ForecastRecorded = EventData<
  'ForecastRecorded',
  { period: string; method: string; expected: Money; p10?: Money; p90?: Money; asOf: string }
>;

export type AnalyticsEvent = MarketingCostRecorded | TargetSet | ActivityRatiosSet | ForecastRecorded;

import { ActivityMetric, ActivityRatiosSet, ForecastRecorded, MarketingCostRecorded, Money, TargetScope, TargetSet } from '@crm/contracts';
import { Decider, sameValue } from '@crm/event-sourcing';

// Marketing costs and sales targets: each (source, period) and (scope, period) is its own small
// stream whose latest event is the value. Recording the same value again records nothing.

export type RecordMarketingCost = { type: 'RecordMarketingCost'; source: string; period: string; amount: Money; at: string };
/** A revenue target (`amount`) or an activity target (`metric` and `count`). */
export type SetTarget = { type: 'SetTarget'; scope: TargetScope; scopeId: string; period: string; at: string } & (
  | { metric?: 'revenue'; amount: Money }
  | { metric: ActivityMetric; count: number }
);
/** The activity plan's ratios for `per`'s currency: activities planned per `per` of revenue target. */
export type SetActivityRatios = { type: 'SetActivityRatios'; per: Money; ratios: Partial<Record<ActivityMetric, number>>; at: string };
/** One forecast snapshot per period, method and day: recording it again that day replaces nothing. */
export type RecordForecast = { type: 'RecordForecast'; forecast: ForecastRecorded['data']; at: string };
export type AnalyticsSettingCommand = RecordMarketingCost | SetTarget | SetActivityRatios | RecordForecast;
export type AnalyticsSettingEvent = MarketingCostRecorded | TargetSet | ActivityRatiosSet | ForecastRecorded;
export type AnalyticsSettingState = { current?: AnalyticsSettingEvent['data'] };

export const analyticsSettingDecider: Decider<AnalyticsSettingCommand, AnalyticsSettingEvent, AnalyticsSettingState> = {
  initialState: () => ({}),
  decide: (command, state) => {
    if (command.type === 'RecordMarketingCost') {
      const data: MarketingCostRecorded['data'] = { source: command.source, period: command.period, amount: command.amount };
      return sameValue(state.current, data) ? [] : [{ type: 'MarketingCostRecorded', occurredAt: command.at, data }];
    }
    if (command.type === 'RecordForecast') return state.current ? [] : [{ type: 'ForecastRecorded', occurredAt: command.at, data: command.forecast }];
    if (command.type === 'SetActivityRatios') {
      const data: ActivityRatiosSet['data'] = { per: command.per, ratios: command.ratios };
      return sameValue(state.current, data) ? [] : [{ type: 'ActivityRatiosSet', occurredAt: command.at, data }];
    }
    // A revenue target keeps the shape it always had (no metric), so that an old and a new one compare equal.
    const measure = 'count' in command ? { metric: command.metric, count: command.count } : { amount: command.amount };
    const data: TargetSet['data'] = { scope: command.scope, scopeId: command.scopeId, period: command.period, ...measure };
    return sameValue(state.current, data) ? [] : [{ type: 'TargetSet', occurredAt: command.at, data }];
  },
  evolve: (_state, event) => ({ current: event.data }),
};

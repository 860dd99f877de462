import { EventData } from '../envelope';
import { Money } from '../money';

export type MarketingCostRecorded = EventData<'MarketingCostRecorded', { source: string; period: string; amount: Money }>;
export type TargetSet = EventData<'TargetSet', { ownerId: string; period: string; amount: Money }>;

export type AnalyticsEvent = MarketingCostRecorded | TargetSet;

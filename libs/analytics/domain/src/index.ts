import { streamId } from '@crm/contracts';
import { derivedEventId } from '@crm/event-sourcing';

export * from './facts';
export * from './focus';
export * from './metrics';
export * from './periods';
export * from './settings.decider';

/** The stream holding one analytics aggregate's events. */
export const analyticsStreamId = (id: string): string => streamId('analytics', id);

/** One stream per tenant, source and period: recording a cost again replaces it. */
export const costStreamId = (tenantId: string, source: string, period: string): string => analyticsStreamId(derivedEventId(tenantId, `marketing-cost/${source}/${period}`));

/**
 * One stream per tenant, scope, period and metric: setting a target again replaces it. Revenue
 * targets keep the stream they had before activity targets existed.
 */
export const targetStreamId = (tenantId: string, scope: string, scopeId: string, period: string, metric = 'revenue'): string =>
  analyticsStreamId(derivedEventId(tenantId, `target/${scope}/${scopeId}/${period}${metric === 'revenue' ? '' : `/${metric}`}`));

/** One stream per tenant and currency: the activity plan's ratios. */
export const activityRatiosStreamId = (tenantId: string, currency: string): string => analyticsStreamId(derivedEventId(tenantId, `activity-ratios/${currency}`));

/** One stream per tenant, period, method and day: the day's snapshot of that forecast. */
export const forecastStreamId = (tenantId: string, period: string, method: string, day: string): string =>
  analyticsStreamId(derivedEventId(tenantId, `forecast/${period}/${method}/${day}`));

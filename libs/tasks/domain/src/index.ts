import { streamId } from '@crm/contracts';
import { derivedUuid } from './ids';

/** The stream holding one task aggregate's events. */
export const taskStreamId = (id: string): string => streamId('task', id);

/** The stream holding one logged activity. */
export const activityStreamId = (id: string): string => streamId('activity', id);

/** A team member's stream: member ids are client-chosen strings, unique per tenant. */
export const teamMemberStreamId = (tenantId: string, memberId: string): string => streamId('team', derivedUuid('team-member', tenantId, memberId));

/** A tenant's automation rules live with its team settings. */
export const automationRulesStreamId = (tenantId: string): string => streamId('team', derivedUuid('automation-rules', tenantId));

export * from './ids';
export * from './task.decider';
export * from './team-member.decider';
export * from './activity.decider';
export * from './related-record';
export * from './customer-records';
export * from './assignment';
export * from './automation';
export * from './automation-rules.decider';

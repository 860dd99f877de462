import { streamId } from '@crm/contracts';

/** The stream holding one opportunity aggregate's events. */
export const opportunityStreamId = (id: string): string => streamId('opportunity', id);

export * from './pipeline';
export * from './opportunity.decider';
export * from './forecast';

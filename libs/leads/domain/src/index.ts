import { streamId } from '@crm/contracts';

/** The stream holding one lead aggregate's events. */
export const leadStreamId = (id: string): string => streamId('lead', id);

export * from './normalize';
export * from './scoring';
export * from './lead.decider';
export * from './routing';
export * from './lead-features';
export * from './customer.decider';

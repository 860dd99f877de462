import { streamId } from '@crm/contracts';

/** The stream holding one lead aggregate's events. */
export const leadStreamId = (id: string): string => streamId('lead', id);

import { streamId } from '@crm/contracts';

/** The stream holding one analytics aggregate's events. */
export const analyticsStreamId = (id: string): string => streamId('analytics', id);

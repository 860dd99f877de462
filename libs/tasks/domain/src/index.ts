import { streamId } from '@crm/contracts';

/** The stream holding one task aggregate's events. */
export const taskStreamId = (id: string): string => streamId('task', id);

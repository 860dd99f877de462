import { createHash } from 'node:crypto';

/** A stable UUID derived from another id, so that a redelivered trigger produces the same event id. */
export const derivedEventId = (sourceId: string, purpose: string): string => {
  const hex = createHash('sha256').update(`${sourceId}/${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

import { createHash } from 'node:crypto';

/**
 * A UUID (v5 layout over SHA-1) determined by its parts. Ids derived from a triggering event's id
 * make a redelivered trigger produce the same task and the same events, which the store keeps once;
 * ids derived from a tenant and a client-chosen key name that key's stream without a lookup table.
 */
export const derivedUuid = (...parts: string[]): string => {
  const hash = createHash('sha1').update(parts.join('\u001f')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

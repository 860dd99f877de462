import { createHash } from 'node:crypto';
import { EventMetadata } from '@crm/contracts';
import { ChainBreak, ChainVerification } from '@crm/event-sourcing';

/** What the first event of a stream (or the first after events stored without hashes) chains to. */
export const genesisHash = '0'.repeat(64);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Canonical JSON: the value's JSON form (as JSON.stringify sees it: `toJSON` applied, undefined
 * members dropped, undefined itself as null) written as JSON.stringify writes it, with every
 * object's keys sorted by UTF-16 code units and no whitespace. It is computed from the parsed value
 * because jsonb keeps neither key order nor number spelling, but the value survives it unchanged.
 */
export const canonicalJson = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : write(JSON.parse(text) as Json);
};

const write = (value: Json): string => {
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((key) => `${JSON.stringify(key)}:${write(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/** The immutable content of a stored event that its hash covers: everything but positions and `recordedAt`. */
export type HashedContent = {
  eventId: string;
  streamId: string;
  revision: number;
  type: string;
  schemaVersion: number;
  /** ISO-8601 UTC with milliseconds, as `Date#toISOString` writes it. */
  occurredAt: string;
  metadata: EventMetadata;
  data: unknown;
};

/**
 * The canonical JSON of an event's content split where its revision goes: the adapter builds the
 * text, and `append_events` joins it around the revision it assigns under the stream lock.
 */
export const canonicalEventParts = (content: Omit<HashedContent, 'revision'>): [before: string, after: string] => [
  `{"data":${canonicalJson(content.data)},"eventId":${JSON.stringify(content.eventId)},"metadata":${canonicalJson(content.metadata)},` +
    `"occurredAt":${JSON.stringify(content.occurredAt)},"revision":`,
  `,"schemaVersion":${canonicalJson(content.schemaVersion)},"streamId":${JSON.stringify(content.streamId)},"type":${JSON.stringify(content.type)}}`,
];

/** hex SHA-256 of the UTF-8 text `previousHash + canonicalJson(content)`. */
export const eventHash = (previousHash: string, content: HashedContent): string =>
  createHash('sha256')
    .update(previousHash + canonicalJson(content), 'utf8')
    .digest('hex');

/** A stored event as the verifier reads it. */
export type StoredEvent = HashedContent & {
  /** The row's own tenant column, which reads filter on but the hash does not cover. */
  tenantId: string;
  hash: string | null;
  /** The stream's revision in the streams table, read with the event. */
  streamRevision: number;
};

/**
 * Walks stored events in stream order, each stream in revision order, recomputing every hash from
 * the stored content. `check` returns the first break it finds; `finish` ends the last stream.
 */
export const createChainChecker = () => {
  let verified = 0;
  let unchained = 0;
  let streams = 0;
  let current: { streamId: string; streamRevision: number; nextRevision: number; previousHash: string | null } | undefined;

  const endOfStream = (): ChainBreak | undefined => {
    if (!current || current.nextRevision > current.streamRevision) return undefined;
    return { streamId: current.streamId, revision: current.nextRevision, reason: 'missing-events' };
  };

  const check = (event: StoredEvent): ChainBreak | undefined => {
    if (event.streamId !== current?.streamId) {
      const ended = endOfStream();
      if (ended) return ended;
      current = { streamId: event.streamId, streamRevision: event.streamRevision, nextRevision: 0, previousHash: null };
      streams++;
    }
    current.streamRevision = event.streamRevision;
    const at = { streamId: event.streamId, revision: event.revision, eventId: event.eventId };
    if (event.revision !== current.nextRevision) return { ...at, reason: 'missing-predecessor' };
    current.nextRevision++;
    if (event.tenantId !== event.metadata?.tenantId) return { ...at, reason: 'tenant-mismatch' };
    if (event.hash === null) {
      // Stored before the store kept hashes; once a stream's chain has begun, every event is hashed.
      if (current.previousHash !== null) return { ...at, reason: 'missing-hash' };
      unchained++;
      return undefined;
    }
    const { eventId, streamId, revision, type, schemaVersion, occurredAt, metadata, data } = event;
    const expected = eventHash(current.previousHash ?? genesisHash, { eventId, streamId, revision, type, schemaVersion, occurredAt, metadata, data });
    if (expected !== event.hash) return { ...at, reason: 'hash-mismatch', expectedHash: expected, storedHash: event.hash };
    current.previousHash = event.hash;
    verified++;
    return undefined;
  };

  const result = (firstBreak?: ChainBreak): ChainVerification => ({ verified, unchained, streams, ...(firstBreak ? { firstBreak } : {}) });

  return { check, finish: endOfStream, result };
};

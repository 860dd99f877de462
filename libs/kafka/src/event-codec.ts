import { EventEnvelope, eventCatalogue, eventHeaders, isCrmEventType } from '@crm/contracts';
import { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** An event as a Kafka message: key = stream id (per-aggregate order), value = the envelope. */
export const toKafkaMessage = (event: EventEnvelope): Message => ({
  key: event.streamId,
  value: JSON.stringify(event),
  headers: {
    [eventHeaders.type]: event.type,
    [eventHeaders.schemaVersion]: String(event.schemaVersion),
    [eventHeaders.eventId]: event.id,
    [eventHeaders.correlationId]: event.metadata.correlationId,
    [eventHeaders.causationId]: event.metadata.causationId,
    [eventHeaders.tenantId]: event.metadata.tenantId,
    ...(event.metadata.traceparent ? { [eventHeaders.traceparent]: event.metadata.traceparent } : {}),
  },
});

export type Decoded = { kind: 'event'; event: EventEnvelope } | { kind: 'skip'; reason: string };

const header = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
};

/** The W3C trace context a message carries (the producer span when tracing is on). */
export const traceparentHeader = (message: KafkaMessage): string | undefined => header(message.headers, eventHeaders.traceparent);

/**
 * Reads a message back. Unknown event types and versions newer than this build knows are skipped
 * (a newer producer must not stop an older consumer); malformed messages are errors.
 */
export const fromKafkaMessage = (message: KafkaMessage): Decoded => {
  const type = header(message.headers, eventHeaders.type);
  const version = Number(header(message.headers, eventHeaders.schemaVersion));
  if (!type || !isCrmEventType(type)) return { kind: 'skip', reason: `unknown event type ${String(type)}` };
  if (!Number.isInteger(version) || version > eventCatalogue[type].version) {
    return { kind: 'skip', reason: `${type} version ${version} is newer than ${eventCatalogue[type].version}` };
  }
  if (!message.value) throw new Error(`message ${message.offset} has no value`);
  const event = JSON.parse(message.value.toString('utf8')) as EventEnvelope;
  if (event.type !== type || typeof event.id !== 'string' || typeof event.streamId !== 'string') throw new Error(`message ${message.offset} is not an event envelope`);
  return { kind: 'event', event };
};

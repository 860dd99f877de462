/** Who caused an event. `role` is the role the actor acted in, not every role they hold. */
export type Actor = {
  id: string;
  role: ActorRole;
};

export type ActorRole = 'admin' | 'manager' | 'rep' | 'integration' | 'system';

/** Metadata every stored event carries besides its payload. */
export type EventMetadata = {
  tenantId: string;
  actor: Actor;
  /** Ties together everything done on behalf of one request or workflow. */
  correlationId: string;
  /** The id of the event or request that directly caused this event. */
  causationId: string;
  /** W3C trace context (`traceparent`), when tracing is on. */
  traceparent?: string;
};

/**
 * An event as stored and delivered. `occurredAt` is when it happened in the business (imports may
 * backdate it); `recordedAt` is when the store accepted it. Dates are ISO-8601 strings.
 */
export type EventEnvelope<Type extends string = string, Data = unknown> = {
  id: string;
  type: Type;
  schemaVersion: number;
  streamId: string;
  /** 0-based position of the event within its stream. */
  revision: number;
  /** Position in the store's global log: strictly increasing in the order subscribers see events. */
  globalPosition: number;
  occurredAt: string;
  recordedAt: string;
  metadata: EventMetadata;
  data: Data;
  /**
   * Tamper evidence, where the store keeps it (PostgreSQL): hex SHA-256 of the previous event's hash
   * in the stream (64 zeros for the first) followed by the canonical JSON of this event as stored,
   * before upcasting (see the README's "Tamper evidence"). Absent for events stored before hashing.
   */
  hash?: string;
};

/** An event a decider produced, before the store assigns its revision and position. */
export type NewEvent<Type extends string = string, Data = unknown> = {
  id: string;
  type: Type;
  schemaVersion: number;
  occurredAt: string;
  metadata: EventMetadata;
  data: Data;
};

/** The payload half of an event: what `decide` returns before metadata is attached. */
export type EventData<Type extends string = string, Data = unknown> = {
  type: Type;
  data: Data;
  /** Backdated business time; defaults to the command's time. */
  occurredAt?: string;
};

/** Narrow an envelope union by its `type`. */
export type EnvelopeOf<E extends EventData> = E extends EventData<infer T, infer D> ? EventEnvelope<T, D> : never;

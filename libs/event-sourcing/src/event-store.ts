import { EventEnvelope, NewEvent } from '@crm/contracts';

/**
 * What a writer expects of the stream it appends to: a 0-based revision (the last event it read),
 * `no_stream`, `stream_exists`, or `any` (no check).
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export type AppendResult = {
  /** Revision of the last appended event (for an idempotent repeat, as first stored). */
  nextRevision: number;
  /** Global position of the last appended event: a reader that reached it sees this append. */
  position: number;
  /** The appended events as stored (for an idempotent repeat, as they were stored the first time). */
  events: EventEnvelope[];
};

export type ReadStreamResult = {
  events: EventEnvelope[];
  /** Revision of the last event in the stream, or -1 if the stream does not exist. */
  revision: number;
};

export type ReadAllOptions = {
  /** Exclusive: events with a greater global position are returned. 0 reads from the start. */
  after: number;
  maxCount: number;
  /** Only events of streams in these categories (`lead`, `opportunity`, ...). */
  categories?: readonly string[];
};

/** The minimal transactional SQL surface a transactional subscription handler receives. */
export type SqlExecutor = {
  query: <Row = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<{ rows: Row[]; rowCount: number | null }>;
};

export type SubscriptionContext = {
  subscriptionName: string;
  /**
   * Present when the adapter commits the handler's effects and the checkpoint in one database
   * transaction (PostgreSQL). Effects written through it happen exactly once.
   */
  tx?: SqlExecutor;
};

export type SubscriptionHandler = (events: EventEnvelope[], context: SubscriptionContext) => Promise<void>;

export type SubscriptionOptions = {
  /** Durable name: the checkpoint is kept under it and a restart resumes after it. */
  name: string;
  handler: SubscriptionHandler;
  categories?: readonly string[];
  batchSize?: number;
  /** Where a subscription without a checkpoint starts: the beginning (default) or the current end. */
  startFrom?: 'beginning' | 'end';
  /**
   * Whether the handler writes its effects through the transaction that moves the checkpoint
   * (default true). Policies that only append events, idempotently, set false: holding a
   * transaction open while they append would hold back every reader of the log meanwhile.
   */
  transactional?: boolean;
  /** Called when a batch failed; the batch is retried after a backoff. */
  onError?: (error: unknown, attempt: number) => void;
};

export type Subscription = {
  readonly name: string;
  /** Global position of the last event handled and checkpointed. */
  readonly position: number;
  /** Resolves once the subscription has handled everything up to `position`. */
  waitFor: (position: number, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
};

/** Which streams `verifyChain` walks: one stream, or all of them; either within one tenant if given. */
export type VerifyChainOptions = { streamId: string; all?: false; tenantId?: string } | { streamId?: undefined; all: true; tenantId?: string };

/**
 * Why a stream's hash chain is broken at an event: its content or its predecessor's hash changed
 * (`hash-mismatch`), a revision before it is missing (`missing-predecessor`), it has no hash although
 * its predecessor has (`missing-hash`), the stream ends before its recorded revision
 * (`missing-events`), or the row's tenant column disagrees with its hashed metadata (`tenant-mismatch`).
 */
export type ChainBreakReason = 'hash-mismatch' | 'missing-predecessor' | 'missing-hash' | 'missing-events' | 'tenant-mismatch';

export type ChainBreak = {
  streamId: string;
  /** The first revision at which the chain does not hold. */
  revision: number;
  /** Absent for `missing-events`: there is no event at that revision. */
  eventId?: string;
  reason: ChainBreakReason;
  /** For `hash-mismatch`: the hash recomputed from the stored content and the stored one. */
  expectedHash?: string;
  storedHash?: string;
};

export type ChainVerification = {
  /** Events whose stored hash matched the recomputed one, up to the first break. */
  verified: number;
  /** Events stored before the store kept hashes: they open their stream's chain but prove nothing. */
  unchained: number;
  /** Streams walked, up to the first break. */
  streams: number;
  /** The first break, walking streams in id order and each in revision order; absent when intact. */
  firstBreak?: ChainBreak;
};

/** The event store port. Adapters: PostgreSQL (default) and KurrentDB. */
export type EventStore = {
  appendToStream: (streamId: string, events: NewEvent[], options?: { expectedRevision?: ExpectedRevision }) => Promise<AppendResult>;
  readStream: (streamId: string, options?: { fromRevision?: number; maxCount?: number }) => Promise<ReadStreamResult>;
  readAll: (options: ReadAllOptions) => Promise<EventEnvelope[]>;
  /** Position of the newest event a subscriber can read now. */
  headPosition: () => Promise<number>;
  subscribe: (options: SubscriptionOptions) => Promise<Subscription>;
  /**
   * Recomputes the SHA-256 hash chain of the stored events (each event's `hash` covers its content
   * and its predecessor's hash) and reports the first break. Only adapters that keep hashes have it.
   */
  verifyChain?: (options: VerifyChainOptions) => Promise<ChainVerification>;
  close: () => Promise<void>;
};

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

/** The event store port. Adapters: PostgreSQL (default) and KurrentDB. */
export type EventStore = {
  appendToStream: (streamId: string, events: NewEvent[], options?: { expectedRevision?: ExpectedRevision }) => Promise<AppendResult>;
  readStream: (streamId: string, options?: { fromRevision?: number; maxCount?: number }) => Promise<ReadStreamResult>;
  readAll: (options: ReadAllOptions) => Promise<EventEnvelope[]>;
  /** Position of the newest event a subscriber can read now. */
  headPosition: () => Promise<number>;
  subscribe: (options: SubscriptionOptions) => Promise<Subscription>;
  close: () => Promise<void>;
};

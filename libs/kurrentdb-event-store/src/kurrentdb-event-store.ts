import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventMetadata, NewEvent, categoryOf } from '@crm/contracts';
import {
  AppendResult,
  DuplicateEventIdError,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  SubscriptionOptions,
  UpcastFn,
  WrongExpectedRevisionError,
  startPollingSubscription,
  createSubscriptionRegistry,
} from '@crm/event-sourcing';
import {
  ANY,
  AllStreamRecordedEvent,
  AppendStreamState,
  BACKWARDS,
  CurrentStreamState,
  END,
  EventData,
  FORWARDS,
  Filter,
  JSONEventType,
  JSONType,
  KurrentDBClient,
  NO_STREAM,
  ReadPosition,
  ReadStreamOptions,
  RecordedEvent,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';

export type KurrentDbEventStoreOptions = {
  /** A client owned by the caller (not disposed by `close`). Takes precedence over `connectionString`. */
  client?: KurrentDBClient;
  /** `kurrentdb://…` connection string; the store creates its own client and disposes it on `close`. */
  connectionString?: string;
  upcast?: UpcastFn;
  /**
   * Namespace prepended to every stream name (`<prefix>lead-…`). KurrentDB has one global log for the
   * whole database, so this is how several stores (tests, tenants of a shared server) stay apart:
   * reads of the log, the head position and subscriptions only see streams under the prefix.
   */
  streamPrefix?: string;
  /** How often an idle subscription looks for events written by other processes. */
  idlePollMs?: number;
};

export type KurrentDbEventStore = EventStore & {
  readonly streamPrefix: string;
  /** Nothing to create in KurrentDB; kept so the adapters are interchangeable at start-up. */
  migrate: () => Promise<void>;
};

/**
 * Checkpoint streams are named `crm_checkpoint-<prefix><subscription name>`. Not a `$` system stream
 * (writing those needs admin rights), so every read of the log excludes this category explicitly.
 */
const checkpointCategory = 'crm_checkpoint';
const checkpointEventType = 'SubscriptionCheckpointStored';

/**
 * What the event's metadata holds in KurrentDB: ours plus what KurrentDB has no native field for.
 * `$correlationId`/`$causationId` are the keys KurrentDB's own tooling (the `$by_correlation_id`
 * projection, the UI) reads; they are dropped again on the way out.
 */
type StoredMetadata = EventMetadata & { occurredAt: string; schemaVersion: number; $correlationId: string; $causationId: string };
const storageOnlyMetadataKeys = ['occurredAt', 'schemaVersion', '$correlationId', '$causationId'] as const;

type StoredEventType = JSONEventType<string, JSONType, StoredMetadata>;

type StoredCheckpoint = { position: number; revision: bigint };

/** Pages of bounded size: the client's readers are only released when drained (they have no `return`). */
const scanPageSize = 200;

export const createKurrentDbEventStore = (options: KurrentDbEventStoreOptions): KurrentDbEventStore => {
  const ownsClient = !options.client;
  const client = options.client ?? clientFrom(options.connectionString);
  const streamPrefix = options.streamPrefix ?? '';
  if (streamPrefix.startsWith('$') || streamPrefix.startsWith(`${checkpointCategory}-`)) {
    throw new Error(`invalid stream prefix ${streamPrefix}: it must not name system or checkpoint streams`);
  }
  const upcast = options.upcast ?? ((event: EventEnvelope) => event);
  const idlePollMs = options.idlePollMs ?? 250;
  const registry = createSubscriptionRegistry();

  const toKurrentName = (streamId: string): string => {
    if (streamId === '' || streamId.startsWith('$') || streamId.startsWith(`${checkpointCategory}-`)) {
      throw new Error(`invalid stream id ${streamId}: reserved for KurrentDB system or checkpoint streams`);
    }
    return `${streamPrefix}${streamId}`;
  };

  /** Our stream id for a KurrentDB stream of this store, or undefined for anything else in the log. */
  const toOwnStreamId = (name: string): string | undefined => {
    if (!name.startsWith(streamPrefix) || name.startsWith(`${checkpointCategory}-`)) return undefined;
    const id = name.slice(streamPrefix.length);
    return id === '' || id.startsWith('$') ? undefined : id;
  };

  const checkpointStreamOf = (subscriptionName: string) => `${checkpointCategory}-${streamPrefix}${subscriptionName}`;

  /**
   * Server-side filter on stream names for reads of `$all`: the store's namespace (and categories),
   * which also keeps out `$` system streams and checkpoint streams. The same rules are re-checked on
   * the client (`toOwnStreamId`), so correctness does not depend on how the server applies it.
   */
  const ownStreamsFilter = (categories?: readonly string[]): Filter => {
    if (categories) return streamNameFilter({ prefixes: categories.map((category) => `${streamPrefix}${category}-`) });
    if (streamPrefix) return streamNameFilter({ prefixes: [streamPrefix] });
    return streamNameFilter({ regex: `^(?!\\$|${escapeRegex(checkpointCategory)}-)` });
  };

  const toEnvelope = (event: RecordedEvent, streamId: string): EventEnvelope => {
    if (!event.position) throw new Error(`KurrentDB returned event ${event.id} without its log position (server older than 22.6?)`);
    const stored = isRecord(event.metadata) ? event.metadata : {};
    const metadata: Record<string, unknown> = { ...stored };
    for (const key of storageOnlyMetadataKeys) delete metadata[key];
    return upcast({
      id: event.id,
      type: event.type,
      // Events written by other tools lack our fields: fall back instead of stalling subscriptions.
      schemaVersion: typeof stored.schemaVersion === 'number' ? stored.schemaVersion : 1,
      streamId,
      revision: Number(event.revision),
      // The commit position is a byte offset in the transaction log; Number is exact below 2^53
      // bytes (8 PiB), far beyond any log this store will have.
      globalPosition: Number(event.position.commit),
      occurredAt: typeof stored.occurredAt === 'string' ? stored.occurredAt : event.created.toISOString(),
      recordedAt: event.created.toISOString(),
      // Written by appendToStream from an EventMetadata; JSON carries no type, so this is asserted.
      metadata: metadata as EventMetadata,
      data: event.data,
    });
  };

  const toEventData = (event: NewEvent): EventData<StoredEventType> => {
    const occurredAt = new Date(event.occurredAt).toISOString();
    return jsonEvent<StoredEventType>({
      id: event.id,
      type: event.type,
      // The client JSON.stringify-s any value; its JSONType is narrower than JSON (no null, numbers).
      data: (event.data ?? null) as JSONType,
      metadata: {
        ...event.metadata,
        occurredAt,
        schemaVersion: event.schemaVersion,
        $correlationId: event.metadata.correlationId,
        $causationId: event.metadata.causationId,
      },
    });
  };

  /** The stream's events in the read's order, or undefined when the stream does not exist. */
  const readStreamPage = async (name: string, readOptions: ReadStreamOptions): Promise<RecordedEvent[] | undefined> => {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of client.readStream(name, readOptions)) {
        if (resolved.event) events.push(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return events;
  };

  /** One bounded page of `$all`, drained. `count` is what the server returned, before any filtering. */
  const readAllPage = async (from: ReadPosition, direction: typeof FORWARDS | typeof BACKWARDS, maxCount: number, filter: Filter) => {
    const events: AllStreamRecordedEvent[] = [];
    let count = 0;
    for await (const resolved of client.readAll({ fromPosition: from, direction, maxCount, filter })) {
      count++;
      if (resolved.event) events.push(resolved.event);
    }
    return { events, count };
  };

  const isOwnEvent = (event: AllStreamRecordedEvent, categories?: ReadonlySet<string>): string | undefined => {
    const streamId = toOwnStreamId(event.streamId);
    if (streamId === undefined || event.type.startsWith('$')) return undefined;
    if (categories && !categories.has(categoryOf(streamId))) return undefined;
    return streamId;
  };

  const readAll = async ({ after, maxCount, categories }: ReadAllOptions): Promise<EventEnvelope[]> => {
    if (maxCount <= 0 || categories?.length === 0) return [];
    const filter = ownStreamsFilter(categories);
    const wanted = categories ? new Set(categories) : undefined;
    const out: EventEnvelope[] = [];
    // Positions at or below the cursor are skipped: reading $all from a position may include the
    // event at that position, and `after` itself is exclusive. Our positions are events' own
    // positions, where commit and prepare positions coincide (see README), so `after` can be
    // handed back to the server as a position.
    let cursor = BigInt(Math.max(0, after));
    let from: ReadPosition = cursor > 0n ? { commit: cursor, prepare: cursor } : START;
    while (out.length < maxCount) {
      // One more than still needed, for the event at `from` the server may return again.
      const pageSize = maxCount - out.length + 1;
      const page = await readAllPage(from, FORWARDS, pageSize, filter);
      for (const event of page.events) {
        if (event.position.commit <= cursor) continue;
        cursor = event.position.commit;
        const streamId = isOwnEvent(event, wanted);
        if (streamId !== undefined && out.length < maxCount) out.push(toEnvelope(event, streamId));
      }
      // A short page is the end of the log (for a filtered read: of the matching events).
      if (page.count < pageSize) break;
      const last = page.events[page.events.length - 1];
      if (!last || (from !== START && last.position.commit <= from.commit)) throw new Error(`reading $all after ${after} made no progress`);
      from = last.position;
    }
    return out;
  };

  const headPosition = async (): Promise<number> => {
    const filter = ownStreamsFilter();
    let from: ReadPosition = END;
    let cursor: bigint | undefined;
    for (;;) {
      const page = await readAllPage(from, BACKWARDS, scanPageSize, filter);
      for (const event of page.events) {
        if (cursor !== undefined && event.position.commit >= cursor) continue;
        if (isOwnEvent(event) !== undefined) return Number(event.position.commit);
      }
      const last = page.events[page.events.length - 1];
      if (page.count < scanPageSize || !last) return 0;
      cursor = last.position.commit;
      from = last.position;
    }
  };

  /**
   * Searches the stream from its end for events with these ids. Returns those found (in stream
   * order) and the stream's current revision (-1 when it does not exist).
   */
  const findStored = async (name: string, ids: readonly string[]): Promise<{ found: RecordedEvent[]; current: number }> => {
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    const found: RecordedEvent[] = [];
    let current: number | undefined;
    let from: bigint | typeof END = END;
    for (;;) {
      // From the leader: the events of an append just acknowledged must be visible (read-your-writes).
      const page = await readStreamPage(name, { fromRevision: from, direction: BACKWARDS, maxCount: scanPageSize, requiresLeader: true });
      if (page === undefined) return { found: [], current: -1 };
      if (page.length === 0) break;
      current ??= Number(page[0].revision);
      for (const event of page) if (wanted.has(event.id.toLowerCase())) found.push(event);
      const oldest = page[page.length - 1].revision;
      if (found.length === wanted.size || page.length < scanPageSize || oldest === 0n) break;
      from = oldest - 1n;
    }
    return { found: found.reverse(), current: current ?? -1 };
  };

  /**
   * A repeated append: the events as stored the first time. `nextRevision` is the last of them, as
   * the PostgreSQL adapter answers (and as KurrentDB itself does when it accepts the repeat).
   */
  const repeatOf = (streamId: string, found: RecordedEvent[]): AppendResult => {
    const stored = found.map((event) => toEnvelope(event, streamId));
    const last = stored[stored.length - 1];
    return { nextRevision: last.revision, position: last.globalPosition, events: stored };
  };

  /**
   * The append was refused (or could not be attempted): a repeat of an earlier append answers with
   * the events as stored then; otherwise it is a duplicate id or a concurrency conflict.
   */
  const resolveConflict = async (streamId: string, name: string, events: NewEvent[], expected: ExpectedRevision, actual?: number): Promise<AppendResult> => {
    const { found, current } = await findStored(
      name,
      events.map((event) => event.id),
    );
    if (found.length === events.length) return repeatOf(streamId, found);
    if (found.length > 0) throw new DuplicateEventIdError(found.map((event) => event.id));
    throw new WrongExpectedRevisionError(streamId, expected, actual ?? current);
  };

  const store: KurrentDbEventStore = {
    streamPrefix,

    migrate: async () => undefined,

    appendToStream: async (streamId, events, { expectedRevision = 'any' } = {}) => {
      if (events.length === 0) throw new Error('nothing to append');
      const name = toKurrentName(streamId);
      const streamState = toStreamState(expectedRevision);
      // A revision below -1 can never match; still answer a repeated append as such, like PostgreSQL.
      if (streamState === undefined) return resolveConflict(streamId, name, events, expectedRevision);
      let appended: Awaited<ReturnType<KurrentDBClient['appendToStream']>>;
      try {
        appended = await client.appendToStream<StoredEventType>(name, events.map(toEventData), { streamState });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          return resolveConflict(streamId, name, events, expectedRevision, revisionOf(error.actualState));
        }
        throw error;
      }
      // A caller-supplied client may be configured with throwOnAppendFailure=false; its reported
      // revision is unreliable then, so the conflict is resolved from the stream itself.
      if (!appended.success) return resolveConflict(streamId, name, events, expectedRevision);

      // The append result carries only the stream revision and one log position; per-event positions
      // and the server's `created` time are read back (from the leader, which just wrote them).
      const first = appended.nextExpectedRevision - BigInt(events.length - 1);
      const stored = await readStreamPage(name, { fromRevision: first, direction: FORWARDS, maxCount: events.length, requiresLeader: true });
      const sameIds =
        stored !== undefined && stored.length === events.length && stored.every((event, index) => event.id.toLowerCase() === events[index].id.toLowerCase());
      if (!sameIds) {
        // KurrentDB answers an idempotent repeat with success; if the revisions it reported do not
        // hold these ids, find them where they are.
        const { found } = await findStored(
          name,
          events.map((event) => event.id),
        );
        if (found.length === events.length) return repeatOf(streamId, found);
        throw new Error(`append to ${streamId} succeeded at revision ${appended.nextExpectedRevision}, but its events cannot be read back`);
      }
      const envelopes = stored.map((event) => toEnvelope(event, streamId));
      registry.wake();
      return { nextRevision: Number(appended.nextExpectedRevision), position: envelopes[envelopes.length - 1].globalPosition, events: envelopes };
    },

    readStream: async (streamId, { fromRevision = 0, maxCount } = {}) => {
      const name = toKurrentName(streamId);
      const limited = maxCount !== undefined || fromRevision > 0;
      const [forward, tail] = await Promise.all([
        maxCount !== undefined && maxCount <= 0
          ? Promise.resolve<RecordedEvent[]>([])
          : readStreamPage(name, { fromRevision: BigInt(Math.max(0, fromRevision)), direction: FORWARDS, maxCount: maxCount ?? Number.MAX_SAFE_INTEGER }),
        // The stream's revision is its last event's, which a partial read may not include.
        limited ? readStreamPage(name, { fromRevision: END, direction: BACKWARDS, maxCount: 1 }) : Promise.resolve(undefined),
      ]);
      if (forward === undefined) return { events: [], revision: -1 };
      const last = limited ? tail?.[0] : forward[forward.length - 1];
      return { events: forward.map((event) => toEnvelope(event, streamId)), revision: last ? Number(last.revision) : -1 };
    },

    readAll,

    headPosition,

    subscribe: async (subscription: SubscriptionOptions) => {
      const checkpointStream = checkpointStreamOf(subscription.name);

      const readCheckpoint = async (): Promise<StoredCheckpoint | undefined> => {
        const [last] = (await readStreamPage(checkpointStream, { fromRevision: END, direction: BACKWARDS, maxCount: 1, requiresLeader: true })) ?? [];
        if (!last) return undefined;
        const position = isRecord(last.data) ? last.data.position : undefined;
        if (typeof position !== 'number') throw new Error(`checkpoint stream ${checkpointStream} holds no position at revision ${last.revision}`);
        return { position, revision: last.revision };
      };

      /** Appends the checkpoint if the stream is still at `previous`; false when another instance moved it. */
      const writeCheckpoint = async (position: number, previous: StoredCheckpoint | undefined): Promise<boolean> => {
        // Only the newest checkpoint is ever read: let KurrentDB scavenge the rest.
        if (!previous) await client.setStreamMetadata(checkpointStream, { maxCount: 1 });
        try {
          const result = await client.appendToStream(checkpointStream, jsonEvent({ id: randomUUID(), type: checkpointEventType, data: { position } }), {
            streamState: previous ? previous.revision : NO_STREAM,
          });
          return result.success;
        } catch (error) {
          if (error instanceof WrongExpectedVersionError) return false;
          throw error;
        }
      };

      let checkpoint = await readCheckpoint();
      if (!checkpoint && subscription.startFrom === 'end') {
        // Stored right away, so a restart resumes here rather than at a later end.
        await writeCheckpoint(await headPosition(), undefined);
        checkpoint = await readCheckpoint();
      }

      const handle = startPollingSubscription(
        {
          readBatch: (after, max) => readAll({ after, maxCount: max, categories: subscription.categories }),
          headPosition: subscription.categories ? headPosition : undefined,
          deliver: async (events, from) => {
            // No transaction spans the handler's effects and the checkpoint (KurrentDB cannot share
            // one with a database): handlers must be idempotent. Checking the stored checkpoint
            // first keeps a second instance of the subscription from applying the same batch in the
            // common case; the conditional append below catches the rest.
            const current = await readCheckpoint();
            const stored = current?.position ?? 0;
            // Skipped positions of other categories are not checkpointed: compare with the batch.
            if (stored >= events[0].globalPosition) return Math.max(stored, from);
            await subscription.handler(events, { subscriptionName: subscription.name });
            const last = events[events.length - 1].globalPosition;
            if (await writeCheckpoint(last, current)) return last;
            return (await readCheckpoint())?.position ?? 0;
          },
          waitForChange: registry.waitForChange,
        },
        {
          name: subscription.name,
          startAfter: checkpoint?.position ?? 0,
          batchSize: subscription.batchSize ?? 200,
          // Appends through this store wake subscriptions at once; other processes' appends are
          // found by polling.
          idlePollMs,
          onError: subscription.onError,
        },
      );
      return registry.track(handle);
    },

    close: async () => {
      await registry.stopAll();
      if (ownsClient) await client.dispose();
    },
  };
  return store;
};

const clientFrom = (connectionString: string | undefined): KurrentDBClient => {
  if (!connectionString) throw new Error('createKurrentDbEventStore needs a client or a connectionString');
  return KurrentDBClient.connectionString(connectionString);
};

/** Our expected revision as KurrentDB's; undefined for a revision no stream can be at (< -1). */
const toStreamState = (expected: ExpectedRevision): AppendStreamState | undefined => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected)) throw new Error(`invalid expected revision ${String(expected)}`);
      // -1 is "no events yet": the PostgreSQL adapter accepts it exactly when the stream is missing.
      if (expected === -1) return NO_STREAM;
      return expected < -1 ? undefined : BigInt(expected);
  }
};

const revisionOf = (state: CurrentStreamState): number => (state === NO_STREAM ? -1 : Number(state));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const escapeRegex = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

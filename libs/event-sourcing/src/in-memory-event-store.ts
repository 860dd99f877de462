import { EventEnvelope, NewEvent, categoryOf } from '@crm/contracts';
import { DuplicateEventIdError, WrongExpectedRevisionError } from './errors';
import { AppendResult, EventStore, ExpectedRevision, SubscriptionOptions } from './event-store';
import { startPollingSubscription } from './polling-subscription';
import { createSubscriptionRegistry } from './subscription-registry';
import { UpcastFn } from './upcasting';

/**
 * A process-local store with the same semantics as the durable adapters (it passes the same
 * contract suite). For unit tests of handlers and projections only; it keeps nothing on restart.
 */
export const createInMemoryEventStore = (options: { upcast?: UpcastFn; now?: () => Date } = {}): EventStore => {
  const log: EventEnvelope[] = [];
  const streams = new Map<string, EventEnvelope[]>();
  const byId = new Map<string, EventEnvelope>();
  const checkpoints = new Map<string, number>();
  const registry = createSubscriptionRegistry();
  const upcast = options.upcast ?? ((event: EventEnvelope) => event);
  const now = options.now ?? (() => new Date());

  const checkExpected = (streamId: string, expected: ExpectedRevision, actual: number) => {
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === -1) ||
      (expected === 'stream_exists' && actual >= 0) ||
      expected === actual;
    if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
  };

  const store: EventStore = {
    appendToStream: async (streamId, events: NewEvent[], { expectedRevision = 'any' } = {}): Promise<AppendResult> => {
      if (events.length === 0) throw new Error('nothing to append');
      const stream = streams.get(streamId) ?? [];
      const known = events.map((event) => byId.get(event.id));
      if (known.every((event) => event !== undefined)) {
        const stored = known as EventEnvelope[];
        if (stored.every((event) => event.streamId === streamId)) {
          const last = stored[stored.length - 1];
          return { nextRevision: last.revision, position: last.globalPosition, events: stored.map(upcast) };
        }
      }
      const duplicates = events.filter((_, index) => known[index] !== undefined).map((event) => event.id);
      if (duplicates.length > 0) throw new DuplicateEventIdError(duplicates);
      checkExpected(streamId, expectedRevision, stream.length - 1);
      const recordedAt = now().toISOString();
      const appended = events.map((event, index): EventEnvelope => ({
        ...event,
        streamId,
        revision: stream.length + index,
        globalPosition: log.length + index + 1,
        recordedAt,
      }));
      for (const event of appended) {
        log.push(event);
        stream.push(event);
        byId.set(event.id, event);
      }
      streams.set(streamId, stream);
      registry.wake();
      return { nextRevision: stream.length - 1, position: appended[appended.length - 1].globalPosition, events: appended.map(upcast) };
    },
    readStream: async (streamId, { fromRevision = 0, maxCount = Number.MAX_SAFE_INTEGER } = {}) => {
      const stream = streams.get(streamId) ?? [];
      return { events: stream.slice(fromRevision, fromRevision + maxCount).map(upcast), revision: stream.length - 1 };
    },
    readAll: async ({ after, maxCount, categories }) => {
      const out: EventEnvelope[] = [];
      for (let i = Math.max(0, after); i < log.length && out.length < maxCount; i++) {
        if (!categories || categories.includes(categoryOf(log[i].streamId))) out.push(upcast(log[i]));
      }
      return out;
    },
    headPosition: async () => log.length,
    subscribe: async (subscription: SubscriptionOptions) => {
      const start = checkpoints.get(subscription.name) ?? (subscription.startFrom === 'end' ? log.length : 0);
      const handle = startPollingSubscription(
        {
          readBatch: (after, max) => store.readAll({ after, maxCount: max, categories: subscription.categories }),
          headPosition: async () => log.length,
          deliver: async (events) => {
            await subscription.handler(events, { subscriptionName: subscription.name });
            const last = events[events.length - 1].globalPosition;
            checkpoints.set(subscription.name, last);
            return last;
          },
          waitForChange: registry.waitForChange,
        },
        { name: subscription.name, startAfter: start, batchSize: subscription.batchSize ?? 100, idlePollMs: 1000, onError: subscription.onError },
      );
      return registry.track(handle);
    },
    close: async () => {
      await registry.stopAll();
    },
  };
  return store;
};

import { randomUUID } from 'node:crypto';
import { EventEnvelope, NewEvent, streamId } from '@crm/contracts';
import { DuplicateEventIdError, EventStore, Subscription, WrongExpectedRevisionError } from '@crm/event-sourcing';

export type ContractSubject = {
  store: EventStore;
  /** A second store instance over the same storage, as after a process restart. */
  reopen: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
};

export type ContractOptions = {
  /** Scale of the concurrency test (the acceptance figure is 8 writers, 20,000 events, 100 streams). */
  concurrency?: { writers: number; events: number; streams: number };
  timeoutMs?: number;
};

export const testEvent = (type = 'LeadCaptured', data: Record<string, unknown> = {}, id: string = randomUUID()): NewEvent => ({
  id,
  type,
  schemaVersion: 1,
  occurredAt: '2026-03-01T10:00:00.000Z',
  metadata: { tenantId: 'tenant-a', actor: { id: 'user-1', role: 'admin' }, correlationId: 'corr-1', causationId: 'cause-1' },
  data,
});

const leadStream = () => streamId('lead', randomUUID());

/**
 * The behaviour every EventStore adapter must show. Run it from each adapter's own spec with a
 * factory that yields a fresh, empty store.
 */
export const eventStoreContract = (create: () => Promise<ContractSubject>, options: ContractOptions = {}): void => {
  const concurrency = options.concurrency ?? { writers: 8, events: 20_000, streams: 100 };
  let subject: ContractSubject;
  let store: EventStore;

  beforeEach(async () => {
    subject = await create();
    store = subject.store;
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  describe('streams', () => {
    it('appends with revisions from 0 and reads them back in order with all metadata', async () => {
      const id = leadStream();
      const result = await store.appendToStream(id, [testEvent('LeadCaptured', { n: 1 }), testEvent('LeadQualified', { n: 2 })], {
        expectedRevision: 'no_stream',
      });
      expect(result.nextRevision).toBe(1);
      expect(result.events.map((event) => event.revision)).toEqual([0, 1]);
      expect(result.events[1].globalPosition).toBeGreaterThan(result.events[0].globalPosition);
      expect(result.position).toBe(result.events[1].globalPosition);

      const read = await store.readStream(id);
      expect(read.revision).toBe(1);
      expect(read.events.map((event) => [event.type, event.revision, event.data])).toEqual([
        ['LeadCaptured', 0, { n: 1 }],
        ['LeadQualified', 1, { n: 2 }],
      ]);
      const [first] = read.events;
      expect(first.streamId).toBe(id);
      expect(first.occurredAt).toBe('2026-03-01T10:00:00.000Z');
      expect(Number.isNaN(Date.parse(first.recordedAt))).toBe(false);
      expect(first.metadata).toEqual(testEvent().metadata);
      expect(first.schemaVersion).toBe(1);
    });

    it('reports a missing stream as revision -1 with no events', async () => {
      expect(await store.readStream(leadStream())).toEqual({ events: [], revision: -1 });
    });

    it('reads part of a stream from a revision', async () => {
      const id = leadStream();
      await store.appendToStream(id, [0, 1, 2, 3].map((n) => testEvent('LeadUpdated', { n })));
      const read = await store.readStream(id, { fromRevision: 2, maxCount: 1 });
      expect(read.events.map((event) => event.data)).toEqual([{ n: 2 }]);
      expect(read.revision).toBe(3);
    });

    it('rejects a wrong expected revision with a typed error and appends nothing', async () => {
      const id = leadStream();
      const first = await store.appendToStream(id, [testEvent()], { expectedRevision: 'no_stream' });

      for (const expectedRevision of [5, 'no_stream', -1] as const) {
        const error = await store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: id, actual: 0 });
      }
      await expect(store.appendToStream(leadStream(), [testEvent()], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await store.readStream(id)).revision).toBe(0);

      // The refused appends took no position either: the next one follows the first directly.
      const next = await store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision: 0 });
      expect(next.position).toBe(first.position + 1);
      await store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision: 'stream_exists' });
      await store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision: 'any' });
      expect((await store.readStream(id)).revision).toBe(3);
    });

    it('stores an event id appended twice only once and answers the repeat with the first result', async () => {
      const id = leadStream();
      const events = [testEvent('LeadCaptured'), testEvent('LeadAssigned')];
      const first = await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      const again = await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      expect(again.position).toBe(first.position);
      expect(again.events.map((event) => [event.id, event.revision, event.globalPosition])).toEqual(
        first.events.map((event) => [event.id, event.revision, event.globalPosition]),
      );
      const read = await store.readStream(id);
      expect(read.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
      const all = await store.readAll({ after: 0, maxCount: 1000 });
      expect(all.filter((event) => event.id === events[0].id)).toHaveLength(1);
    });

    it('refuses an event id already stored in another stream and appends nothing', async () => {
      const event = testEvent();
      await store.appendToStream(leadStream(), [event]);
      const other = leadStream();
      await expect(store.appendToStream(other, [testEvent(), event])).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect((await store.readStream(other)).revision).toBe(-1);
    });
  });

  describe('global log', () => {
    it('reads all events after a position, optionally by category', async () => {
      const lead = leadStream();
      const deal = streamId('opportunity', randomUUID());
      const start = (await store.appendToStream(lead, [testEvent('LeadCaptured')])).position - 1;
      await store.appendToStream(deal, [testEvent('OpportunityOpened')]);
      const last = await store.appendToStream(lead, [testEvent('LeadQualified')]);

      const all = await store.readAll({ after: start, maxCount: 10 });
      expect(all.map((event) => event.type)).toEqual(['LeadCaptured', 'OpportunityOpened', 'LeadQualified']);
      expect(last.position).toBe(all[2].globalPosition);
      expect(await store.headPosition()).toBeLessThanOrEqual(last.position);
      const leadsOnly = await store.readAll({ after: start, maxCount: 10, categories: ['lead'] });
      expect(leadsOnly.map((event) => event.type)).toEqual(['LeadCaptured', 'LeadQualified']);
      const page = await store.readAll({ after: all[0].globalPosition, maxCount: 1 });
      expect(page.map((event) => event.id)).toEqual([all[1].id]);
    });
  });

  describe('subscriptions', () => {
    it(
      `deliver every event exactly once, in global order and per-stream revision order, while ${concurrency.writers} writers append ${concurrency.events} events to ${concurrency.streams} streams`,
      async () => {
        const streams = Array.from({ length: concurrency.streams }, () => leadStream());
        const seen: EventEnvelope[] = [];
        const subscription = await store.subscribe({
          name: `contract-${randomUUID()}`,
          batchSize: 500,
          handler: async (events) => {
            seen.push(...events);
          },
        });
        let next = 0;
        let last = 0;
        const writer = async () => {
          while (next < concurrency.events) {
            const n = next++;
            last = Math.max(last, (await store.appendToStream(streams[n % streams.length], [testEvent('LeadUpdated', { n })])).position);
          }
        };
        await Promise.all(Array.from({ length: concurrency.writers }, writer));
        await subscription.waitFor(last, options.timeoutMs ?? 120_000);
        await subscription.stop();

        expect(seen).toHaveLength(concurrency.events);
        expect(new Set(seen.map((event) => event.id)).size).toBe(concurrency.events);
        for (let i = 1; i < seen.length; i++) {
          if (seen[i].globalPosition <= seen[i - 1].globalPosition) throw new Error(`out of global order at ${i}`);
        }
        const revisions = new Map<string, number>();
        for (const event of seen) {
          const expected = (revisions.get(event.streamId) ?? -1) + 1;
          if (event.revision !== expected) throw new Error(`${event.streamId} delivered revision ${event.revision}, expected ${expected}`);
          revisions.set(event.streamId, event.revision);
        }
        expect(new Set(seen.map((event) => (event.data as { n: number }).n)).size).toBe(concurrency.events);
      },
      options.timeoutMs ?? 180_000,
    );

    it.each([true, false])('resume from the checkpoint after a crash mid-batch (transactional: %s): nothing skipped, nothing applied twice by an idempotent handler', async (transactional) => {
      const id = leadStream();
      const name = `resume-${randomUUID()}`;
      const total = 60;
      let last = 0;
      for (let i = 0; i < total; i += 10) {
        last = (await store.appendToStream(
          id,
          Array.from({ length: 10 }, (_, k) => testEvent('LeadUpdated', { n: i + k })),
        )).position;
      }
      const applied = new Map<string, number>();
      let deliveries = 0;
      let crashed = false;
      const idempotentHandler = async (events: EventEnvelope[]) => {
        for (const [index, event] of events.entries()) {
          deliveries++;
          if (!crashed && deliveries === 25) {
            crashed = true;
            throw new Error(`simulated crash after ${index} events of a batch`);
          }
          if (!applied.has(event.id)) applied.set(event.id, (event.data as { n: number }).n);
        }
      };
      let first: Subscription | undefined = await store.subscribe({ name, batchSize: 20, transactional, handler: idempotentHandler, onError: () => undefined });
      await waitUntil(() => crashed);
      await first.stop();
      first = undefined;
      const atCrash = applied.size;
      expect(atCrash).toBeLessThan(total);

      const reopened = await subject.reopen();
      const second = await reopened.subscribe({ name, batchSize: 20, transactional, handler: idempotentHandler });
      await second.waitFor(last, 30_000);
      await second.stop();
      expect([...applied.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, n) => n));
      // Restarting again delivers nothing new: the checkpoint covers everything.
      const before = deliveries;
      const third = await reopened.subscribe({ name, batchSize: 20, transactional, handler: idempotentHandler });
      await third.waitFor(last, 30_000);
      await sleep(300);
      await third.stop();
      expect(deliveries).toBe(before);
    });

    it('reach a position in another category: waiting for it means everything before it is handled', async () => {
      const seen: string[] = [];
      const subscription = await store.subscribe({
        name: `category-${randomUUID()}`,
        categories: ['lead'],
        handler: async (events) => {
          seen.push(...events.map((event) => event.type));
        },
      });
      await store.appendToStream(leadStream(), [testEvent('LeadCaptured')]);
      const other = await store.appendToStream(streamId('opportunity', randomUUID()), [testEvent('OpportunityOpened')]);
      await subscription.waitFor(other.position, 30_000);
      await subscription.stop();
      expect(seen).toEqual(['LeadCaptured']);
    });

    it('can start at the end of the log, seeing only newer events', async () => {
      await store.appendToStream(leadStream(), [testEvent('LeadCaptured')]);
      const seen: string[] = [];
      const subscription = await store.subscribe({
        name: `tail-${randomUUID()}`,
        startFrom: 'end',
        handler: async (events) => {
          seen.push(...events.map((event) => event.type));
        },
      });
      const result = await store.appendToStream(leadStream(), [testEvent('LeadQualified')]);
      await subscription.waitFor(result.position, 30_000);
      await subscription.stop();
      expect(seen).toEqual(['LeadQualified']);
    });
  });
};

export const waitUntil = async (condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

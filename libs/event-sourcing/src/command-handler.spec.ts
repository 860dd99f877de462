import { EventData, EventEnvelope, NewEvent } from '@crm/contracts';
import { createCommandHandler } from './command-handler';
import { Decider } from './decider';
import { CommandRejected, WrongExpectedRevisionError } from './errors';
import { EventStore } from './event-store';
import { createInMemoryEventStore } from './in-memory-event-store';
import { deciderSpec } from './testing';
import { createUpcaster } from './upcasting';

type Counted = EventData<'LeadScored', { by: number }>;
type Command = { type: 'Add'; by: number } | { type: 'Noop' };
type State = { total: number };

const counter: Decider<Command, Counted, State> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  decide: (command, state) => {
    switch (command.type) {
      case 'Add':
        if (state.total + command.by > 10) throw new CommandRejected('conflict', 'limit', 'total would exceed 10', { total: state.total });
        return [{ type: 'LeadScored', data: { by: command.by } }];
      case 'Noop':
        return [];
      default: {
        const unreachable: never = command;
        return unreachable;
      }
    }
  },
};

const metadata = { tenantId: 't1', actor: { id: 'u1', role: 'rep' as const }, correlationId: 'c1', causationId: 'c1' };
const context = { metadata, now: '2026-05-01T00:00:00.000Z' };

describe('command handler', () => {
  it('reads, decides and appends with the catalogue version and the command time', async () => {
    const store = createInMemoryEventStore();
    const handle = createCommandHandler(store, counter);
    const first = await handle('lead-1', { type: 'Add', by: 3 }, context);
    const second = await handle('lead-1', { type: 'Add', by: 4 }, context);
    expect(first.revision).toBe(0);
    expect(second.state).toEqual({ total: 7 });
    expect(second.revision).toBe(1);
    expect(second.events[0]).toMatchObject({ type: 'LeadScored', schemaVersion: 1, occurredAt: context.now, metadata, revision: 1 });
    expect(second.position).toBe(2);
  });

  it('appends nothing when the decider rejects or decides nothing', async () => {
    const store = createInMemoryEventStore();
    const handle = createCommandHandler(store, counter);
    await handle('lead-1', { type: 'Add', by: 9 }, context);
    await expect(handle('lead-1', { type: 'Add', by: 5 }, context)).rejects.toMatchObject({ kind: 'conflict', code: 'limit' });
    const noop = await handle('lead-1', { type: 'Noop' }, context);
    expect(noop).toMatchObject({ events: [], position: null, revision: 0 });
    expect((await store.readStream('lead-1')).revision).toBe(0);
  });

  it('reports a stale If-Match revision as a conflict without appending', async () => {
    const store = createInMemoryEventStore();
    const handle = createCommandHandler(store, counter);
    await handle('lead-1', { type: 'Add', by: 1 }, context);
    await expect(handle('lead-1', { type: 'Add', by: 1 }, { ...context, expectedRevision: 5 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await handle('lead-1', { type: 'Add', by: 1 }, { ...context, expectedRevision: 0 });
    expect((await store.readStream('lead-1')).revision).toBe(1);
  });

  it('retries a bounded number of times when a concurrent writer wins and no If-Match was sent', async () => {
    const inner = createInMemoryEventStore();
    let interfere = 2;
    // A writer that sneaks in an event between this handler's read and its append.
    const racing: EventStore = {
      ...inner,
      appendToStream: async (streamId, events: NewEvent[], options) => {
        if (interfere-- > 0) await inner.appendToStream(streamId, [{ ...events[0], id: `${events[0].id}-other` }]);
        return inner.appendToStream(streamId, events, options);
      },
    };
    const handle = createCommandHandler(racing, counter, { maxAttempts: 3 });
    const result = await handle('lead-1', { type: 'Add', by: 1 }, context);
    expect(result.state.total).toBe(3);

    interfere = 5;
    await expect(createCommandHandler(racing, counter, { maxAttempts: 2 })('lead-2', { type: 'Add', by: 1 }, context)).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
  });

  it('treats another tenant’s stream as missing and appends nothing', async () => {
    const store = createInMemoryEventStore();
    const handle = createCommandHandler(store, counter);
    await handle('lead-1', { type: 'Add', by: 1 }, context);
    const otherTenant = { ...context, metadata: { ...metadata, tenantId: 't2' } };
    await expect(handle('lead-1', { type: 'Add', by: 1 }, otherTenant)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await store.readStream('lead-1')).revision).toBe(0);
  });

  it('uses caller-chosen event ids so a repeated command is stored once', async () => {
    const store = createInMemoryEventStore();
    const handle = createCommandHandler(store, counter);
    const eventId = (index: number) => `00000000-0000-4000-8000-00000000000${index}`;
    const first = await handle('lead-1', { type: 'Add', by: 2 }, { ...context, eventId });
    expect(first.events[0].id).toBe(eventId(0));
    await expect(store.appendToStream('lead-1', [{ ...first.events[0] }])).resolves.toMatchObject({ position: first.position });
    expect((await store.readStream('lead-1')).events).toHaveLength(1);
  });
});

describe('decider specification helper', () => {
  const spec = deciderSpec(counter);

  it('passes when the decided events match', () => {
    spec.given([{ type: 'LeadScored', data: { by: 4 } }]).when({ type: 'Add', by: 1 }).then([{ type: 'LeadScored', data: { by: 1 } }]);
    spec.given([]).when({ type: 'Noop' }).thenNothing();
  });

  it('fails when they differ, and checks rejections', () => {
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).then([{ type: 'LeadScored', data: { by: 2 } }])).toThrow();
    spec
      .given([{ type: 'LeadScored', data: { by: 10 } }])
      .when({ type: 'Add', by: 1 })
      .thenThrows(CommandRejected, (error) => expect(error.details).toEqual({ total: 10 }));
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenThrows(CommandRejected)).toThrow(/expected CommandRejected/);
  });
});

describe('upcasting on read', () => {
  const stored: EventEnvelope = {
    id: 'e1',
    type: 'LeadScored',
    schemaVersion: 1,
    streamId: 'lead-1',
    revision: 0,
    globalPosition: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    recordedAt: '2026-01-01T00:00:00.000Z',
    metadata,
    data: { points: 5 },
  };

  it('lifts an old version step by step and leaves current versions alone', () => {
    const upcast = createUpcaster([
      { type: 'LeadScored', fromVersion: 1, upcast: (data) => ({ score: (data as { points: number }).points }) },
      { type: 'LeadScored', fromVersion: 2, upcast: (data) => ({ ...(data as object), contributions: {} }) },
    ]);
    expect(upcast(stored)).toMatchObject({ schemaVersion: 3, data: { score: 5, contributions: {} } });
    expect(upcast({ ...stored, schemaVersion: 3, data: { score: 1 } }).data).toEqual({ score: 1 });
    expect(upcast({ ...stored, type: 'LeadQualified' })).toEqual({ ...stored, type: 'LeadQualified' });
  });

  it('is applied by the store on every read', async () => {
    const store = createInMemoryEventStore({
      upcast: createUpcaster([{ type: 'LeadScored', fromVersion: 1, upcast: (data) => ({ wrapped: data }) }]),
    });
    await store.appendToStream('lead-9', [{ id: 'x', type: 'LeadScored', schemaVersion: 1, occurredAt: stored.occurredAt, metadata, data: { by: 1 } }]);
    const [event] = (await store.readStream('lead-9')).events;
    expect(event).toMatchObject({ schemaVersion: 2, data: { wrapped: { by: 1 } } });
    expect((await store.readAll({ after: 0, maxCount: 10 }))[0].schemaVersion).toBe(2);
  });

  it('refuses two upcasters for the same version', () => {
    const step = { type: 'LeadScored', fromVersion: 1, upcast: (data: unknown) => data };
    expect(() => createUpcaster([step, step])).toThrow(/two upcasters/);
  });
});

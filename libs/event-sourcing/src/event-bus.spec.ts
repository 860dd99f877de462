import { EventEnvelope, NewEvent } from '@crm/contracts';
import { storeEventBus } from './event-bus';
import { createInMemoryEventStore } from './in-memory-event-store';

const event = (n: number, poison = false): NewEvent => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'LeadUpdated',
  schemaVersion: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  metadata: { tenantId: 't', actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: 'c' },
  data: { n, poison },
});

describe('store event bus', () => {
  it('parks a poison event after bounded retries and applies the rest of its batch', async () => {
    const store = createInMemoryEventStore();
    const last = await store.appendToStream('lead-1', [event(1), event(2, true), event(3)]);
    const applied: number[] = [];
    const parked: Array<{ consumer: string; n: number; error: string }> = [];
    let failures = 0;
    const bus = storeEventBus(store, {
      maxAttempts: 3,
      deadLetter: async (consumer, parkedEvent: EventEnvelope, error) => {
        parked.push({ consumer, n: (parkedEvent.data as { n: number }).n, error: (error as Error).message });
      },
    });
    const subscription = await bus.subscribe({
      name: 'consumer',
      categories: ['lead'],
      onError: () => failures++,
      handler: async (events) => {
        for (const e of events) if ((e.data as { poison: boolean }).poison) throw new Error('indigestible');
        applied.push(...events.map((e) => (e.data as { n: number }).n));
      },
    });
    await subscription.waitFor(last.position, 10_000);
    await subscription.stop();
    expect(failures).toBe(3);
    expect(applied).toEqual([1, 3]);
    expect(parked).toEqual([{ consumer: 'consumer', n: 2, error: 'indigestible' }]);
  });
});

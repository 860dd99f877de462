import { EventEnvelope, NewEvent } from '@crm/contracts';
import { storeEventBus } from './event-bus';
import { isTransientInfrastructureError } from './errors';
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

  it('keeps retrying while the database is unavailable, and parks nothing for it', async () => {
    const store = createInMemoryEventStore();
    const last = await store.appendToStream('lead-1', [event(1), event(2)]);
    const parked: number[] = [];
    let outage = 6; // more failures than maxAttempts allows a poison event
    const bus = storeEventBus(store, { maxAttempts: 2, deadLetter: async (_consumer, parkedEvent) => void parked.push((parkedEvent.data as { n: number }).n) });
    const applied: number[] = [];
    const subscription = await bus.subscribe({
      name: 'consumer',
      categories: ['lead'],
      handler: async (events) => {
        if (outage-- > 0) throw Object.assign(new Error('the database system is shutting down'), { code: '57P01' });
        applied.push(...events.map((e) => (e.data as { n: number }).n));
      },
    });
    await subscription.waitFor(last.position, 20_000);
    await subscription.stop();
    expect(parked).toEqual([]);
    expect(applied).toEqual([1, 2]);
  }, 30_000);
});

describe('transient infrastructure errors', () => {
  it('tells an unavailable database from a bad event', () => {
    expect(isTransientInfrastructureError(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isTransientInfrastructureError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isTransientInfrastructureError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientInfrastructureError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTransientInfrastructureError(new Error('indigestible'))).toBe(false);
    expect(isTransientInfrastructureError(undefined)).toBe(false);
  });
});

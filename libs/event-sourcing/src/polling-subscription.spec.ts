import { EventEnvelope } from '@crm/contracts';
import { startPollingSubscription } from './polling-subscription';

const event = (position: number): EventEnvelope => ({
  id: `e${position}`,
  type: 'LeadUpdated',
  schemaVersion: 1,
  streamId: 'lead-1',
  revision: position - 1,
  globalPosition: position,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  metadata: { tenantId: 't', actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: 'c' },
  data: {},
});

describe('polling subscription', () => {
  it('re-reads from another instance’s checkpoint instead of jumping to the head past unhandled events', async () => {
    const log = [1, 2, 3, 4, 5].map(event);
    const handled: number[] = [];
    let first = true;
    const subscription = startPollingSubscription(
      {
        readBatch: async (after, max) => log.filter((e) => e.globalPosition > after).slice(0, max),
        headPosition: async () => 5,
        deliver: async (events) => {
          if (first) {
            // Another instance already handled events 1 and 2 of this batch and checkpointed 2.
            first = false;
            return 2;
          }
          handled.push(...events.map((e) => e.globalPosition));
          return events[events.length - 1].globalPosition;
        },
        waitForChange: () => new Promise((resolve) => setTimeout(resolve, 5)),
      },
      { name: 's', startAfter: 0, batchSize: 10, idlePollMs: 5 },
    );
    await subscription.waitFor(5, 2000);
    await subscription.stop();
    expect(handled).toEqual([3, 4, 5]);
  });

  it('moves past events of other categories up to the head when it has caught up', async () => {
    const subscription = startPollingSubscription(
      {
        readBatch: async () => [],
        headPosition: async () => 42,
        deliver: async () => 0,
        waitForChange: () => new Promise((resolve) => setTimeout(resolve, 5)),
      },
      { name: 's', startAfter: 0, batchSize: 10, idlePollMs: 5 },
    );
    await subscription.waitFor(42, 2000);
    expect(subscription.position).toBe(42);
    await subscription.stop();
  });
});

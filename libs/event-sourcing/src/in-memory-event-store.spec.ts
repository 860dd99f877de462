import { eventStoreContract } from '@crm/testing';
import { createInMemoryEventStore } from './in-memory-event-store';

describe('in-memory event store contract', () => {
  eventStoreContract(async () => {
    const store = createInMemoryEventStore();
    return { store, reopen: async () => store, cleanup: () => store.close() };
  });
});

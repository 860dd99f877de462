import { createInMemoryEventStore } from '@crm/event-sourcing';
import { eventStoreContract } from './event-store-contract';

describe('in-memory event store contract', () => {
  eventStoreContract(async () => {
    const store = createInMemoryEventStore();
    return { store, reopen: async () => store, cleanup: () => store.close() };
  });
});

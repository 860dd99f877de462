import { createInMemoryEventStore } from '@crm/event-sourcing';
import { eventStoreContract } from './event-store-contract';

// Every expectation lives in eventStoreContract: the same suite the durable adapters pass.
describe('in-memory event store contract', () => {
  eventStoreContract(async () => {
    const store = createInMemoryEventStore();
    return { store, reopen: async () => store, cleanup: () => store.close() };
  });
});

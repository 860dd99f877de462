import { EventStore } from '@crm/event-sourcing';
import { PersonalDataCipher } from './personal-data.cipher';

/**
 * The event store as the leads command handlers see it: lead events are sealed on append and
 * opened on read, so deciders work on plaintext while the log only ever holds ciphertext.
 * Subscriptions get the events as stored (sealed); a read model opens what it needs.
 */
export const sealingEventStore = (store: EventStore, cipher: PersonalDataCipher): EventStore => ({
  appendToStream: async (streamId, events, options) => {
    const result = await store.appendToStream(streamId, await cipher.sealEvents(events), options);
    return { ...result, events: await cipher.openEvents(result.events) };
  },
  readStream: async (streamId, options) => {
    const result = await store.readStream(streamId, options);
    return { ...result, events: await cipher.openEvents(result.events) };
  },
  readAll: (options) => store.readAll(options),
  headPosition: () => store.headPosition(),
  subscribe: (options) => store.subscribe(options),
  close: () => store.close(),
});

import { EventStore, Subscription, SubscriptionHandler } from './event-store';

export type BusSubscriptionOptions = {
  /**
   * The consumer's durable name: its checkpoint in embedded mode, its Kafka consumer group in
   * distributed mode. One per consumer and service, never shared between services.
   */
  name: string;
  /** Stream categories of other contexts this consumer reacts to (`lead`, `opportunity`, ...). */
  categories: readonly string[];
  /** Receives events with a transaction (`tx`) that also records them as applied: effects happen once. */
  handler: SubscriptionHandler;
  /** False for policies whose only effects are idempotent appends: no transaction is held open for them. */
  transactional?: boolean;
  onError?: (error: unknown, attempt: number) => void;
};

/**
 * How a context consumes other contexts' events. Embedded: the store's own checkpointed
 * subscriptions. Distributed: Kafka consumer groups over the topics the producers' relays fill.
 * The handlers are the same in both modes.
 */
export type EventBus = {
  subscribe: (options: BusSubscriptionOptions) => Promise<Subscription>;
};

export const storeEventBus = (store: EventStore): EventBus => ({
  subscribe: (options) =>
    store.subscribe({ name: options.name, categories: options.categories, handler: options.handler, onError: options.onError, transactional: options.transactional }),
});

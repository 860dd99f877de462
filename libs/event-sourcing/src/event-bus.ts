import { EventEnvelope } from '@crm/contracts';
import { isTransientInfrastructureError } from './errors';
import { EventStore, SqlExecutor, Subscription, SubscriptionHandler } from './event-store';
import { withConsumerSpans } from './tracing';

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
  /** The running subscription of that name, if any: what a reader waits on (read-your-writes). */
  subscription: (name: string) => Subscription | undefined;
  /**
   * True when the bus is the store's own subscriptions: its subscriptions' positions are the
   * store's global positions, so a reader can wait for a position a command returned.
   */
  readonly local?: boolean;
};

/** Where an event goes after a consumer failed on it too often; `tx` when the consumer has one. */
export type DeadLetterSink = (consumer: string, event: EventEnvelope, error: unknown, tx?: SqlExecutor) => Promise<void>;

export type StoreEventBusOptions = {
  /** Attempts of a failing batch before its events are tried one by one and the failing ones parked. */
  maxAttempts?: number;
  deadLetter?: DeadLetterSink;
};

/**
 * The embedded bus: the store's own subscriptions. Like the Kafka bus, it does not retry a poison
 * event forever: after `maxAttempts` failures of a batch, each event of it is applied on its own
 * (inside a savepoint when there is a transaction) and the ones that still fail go to the
 * dead-letter sink, so the consumer moves on.
 */
export const storeEventBus = (store: EventStore, busOptions: StoreEventBusOptions = {}): EventBus => {
  const maxAttempts = busOptions.maxAttempts ?? 5;
  const deadLetter: DeadLetterSink =
    busOptions.deadLetter ?? (async (consumer, event, error) => void process.stderr.write(`${consumer}: dead-lettered ${event.type} ${event.id}: ${(error as Error)?.message ?? error}\n`));
  const running = new Map<string, Subscription>();
  return {
    local: true,
    subscription: (name) => running.get(name),
    subscribe: async (options) => {
      const failures = new Map<string, number>();
      const handler: SubscriptionHandler = async (events, context) => {
        const key = events[0].id;
        const attempts = failures.get(key) ?? 0;
        if (attempts < maxAttempts) {
          try {
            await options.handler(events, context);
            failures.delete(key);
            return;
          } catch (error) {
            // The database being unavailable is no fault of the batch: it is retried, not parked.
            if (!isTransientInfrastructureError(error)) failures.set(key, attempts + 1);
            throw error;
          }
        }
        failures.delete(key);
        for (const event of events) {
          try {
            await context.tx?.query('SAVEPOINT crm_bus_event');
            await options.handler([event], context);
            await context.tx?.query('RELEASE SAVEPOINT crm_bus_event');
          } catch (error) {
            if (isTransientInfrastructureError(error)) throw error;
            await context.tx?.query('ROLLBACK TO SAVEPOINT crm_bus_event');
            await deadLetter(options.name, event, error, context.tx);
          }
        }
      };
      // One CONSUMER span per delivered event, child of the span that appended it (when tracing is on).
      const traced: SubscriptionHandler = (events, context) => withConsumerSpans(options.name, events, () => handler(events, context));
      const subscription = await store.subscribe({ name: options.name, categories: options.categories, handler: traced, onError: options.onError, transactional: options.transactional });
      return trackRunning(running, subscription);
    },
  };
};

/** Keeps a bus subscription findable by name until it is stopped. */
export const trackRunning = (running: Map<string, Subscription>, subscription: Subscription): Subscription => {
  running.set(subscription.name, subscription);
  const stop = subscription.stop;
  return Object.assign(subscription, {
    stop: async () => {
      if (running.get(subscription.name) === subscription) running.delete(subscription.name);
      await stop();
    },
  });
};

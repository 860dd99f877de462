import { ArgumentsHost, Catch, INestApplication, INestMicroservice, Logger, RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, MicroserviceOptions, NestMicroservice, Server } from '@nestjs/microservices';
import { EventEnvelope } from '@crm/contracts';
import { EventBus, SqlExecutor, Subscription, SubscriptionContext } from '@crm/event-sourcing';
import { lastValueFrom, Observable, throwError } from 'rxjs';

/**
 * What an `@EventPattern` consumer declares beside its pattern, which is its durable name (its
 * checkpoint in embedded mode, its Kafka consumer group in distributed mode; one per service):
 * `@EventPattern('opportunities.lead-conversions', { categories: ['lead'], transactional: false } satisfies EventConsumerOptions)`.
 */
export type EventConsumerOptions = {
  /** Stream categories of other contexts the consumer reacts to (`lead`, `opportunity`, ...). */
  categories: readonly string[];
  /** False for policies whose only effects are idempotent appends (no transaction held open for them); default true. */
  transactional?: boolean;
};

/**
 * The second argument of an `@EventPattern` consumer (`@Ctx()`); the first (`@Payload()`) is the
 * batch of events, in order (one event at a time from Kafka, batches from the store).
 */
export class EventConsumerContext extends BaseRpcContext<[SubscriptionContext]> {
  get consumer(): string {
    return this.args[0].subscriptionName;
  }

  /**
   * The database transaction that also records these events as applied (the inbox in Kafka mode,
   * the checkpoint in embedded mode): effects written through it happen exactly once. Absent for
   * non-transactional consumers.
   */
  get tx(): SqlExecutor | undefined {
    return this.args[0].tx;
  }
}

/**
 * Hands a consumer's error to the bus untouched. Nest's default RPC filter would log it and replace
 * it by `{ status: 'error', message: 'Internal server error' }`, and the bus could then no longer
 * tell a database outage (waited out) from a poison event (retried, then dead-lettered).
 */
@Catch()
export class EventConsumerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * A Nest microservice transport whose messages are events from an `EventBus`: the store's own
 * checkpointed subscriptions in embedded mode, Kafka consumer groups in distributed mode. Each
 * `@EventPattern` handler Nest registered becomes one bus subscription named by its pattern, so the
 * bus's guarantees (effects and checkpoint or inbox in one transaction, bounded retries then a
 * dead letter, heartbeats, skipping unknown types and newer versions, waiting out an unavailable
 * database, lag metrics) hold for every handler in both modes.
 */
export class EventBusTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('EventConsumers');
  private readonly started: Subscription[] = [];

  constructor(private readonly bus: EventBus) {
    super();
  }

  /** Subscribes every handler, together; with Kafka this resolves before the groups are joined. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await Promise.all([...this.getHandlers()].map(([pattern, handler]) => this.subscribe(pattern, handler)));
    } catch (error) {
      await this.close();
      callback(error);
      return;
    }
    callback();
  }

  /** The running consumer of that name (what read-your-writes waits on). */
  subscription(consumer: string): Subscription | undefined {
    return this.bus.subscription(consumer);
  }

  async close(): Promise<void> {
    const stopping = this.started.splice(0);
    await Promise.all(stopping.map((subscription) => subscription.stop()));
  }

  on(): never {
    throw new Error('the event-bus transport emits no events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async subscribe(consumer: string, handler: MessageHandler<EventEnvelope[], EventConsumerContext>): Promise<void> {
    // Two handlers of one consumer would share its checkpoint: one could commit what the other failed.
    if (handler.next) throw new Error(`more than one @EventPattern handler is named ${consumer}: each consumer needs its own name`);
    const { categories, transactional } = consumerOptions(consumer, handler.extras);
    const subscription = await this.bus.subscribe({
      name: consumer,
      categories,
      transactional,
      handler: async (events, context) => {
        const result = await handler(events, new EventConsumerContext([context]));
        // Nest hands back the handler's result, or its error, as an Observable.
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      },
      onError: (error, attempt) => this.log.error(`${consumer} failed (attempt ${attempt}): ${(error as Error)?.message ?? String(error)}`),
    });
    this.started.push(subscription);
  }
}

const consumerOptions = (consumer: string, extras: Record<string, unknown> | undefined): Required<EventConsumerOptions> => {
  const categories = extras?.categories;
  if (!Array.isArray(categories) || categories.length === 0 || !categories.every((category) => typeof category === 'string')) {
    throw new Error(`@EventPattern('${consumer}') needs the stream categories it consumes: @EventPattern('${consumer}', { categories: [...] })`);
  }
  return { categories, transactional: extras?.transactional !== false };
};

/**
 * Prepares a microservice whose transport is an `EventBusTransport`, before it listens: consumers'
 * errors reach the bus as thrown, and the modules' init hooks, which the HTTP application (or the
 * caller) already ran, are not run again when the consumers start.
 */
export const prepareEventConsumers = (microservice: INestMicroservice): void => {
  if (!(microservice instanceof NestMicroservice)) throw new Error('prepareEventConsumers needs the NestMicroservice that Nest created');
  microservice.useGlobalFilters(new EventConsumerErrors());
  microservice.setIsInitHookCalled(true);
};

/**
 * Connects the `@EventPattern` consumers of the application's controllers to `bus`, as a hybrid
 * application's microservice. They start with `app.startAllMicroservices()`, after `app.init()`
 * (the modules create their tables there) and stop with `app.close()` or the transport's `close()`.
 */
export const connectEventConsumers = (app: INestApplication, bus: EventBus): EventBusTransport => {
  const transport = new EventBusTransport(bus);
  // Deferred: the filter has to be in place before Nest wraps the handlers.
  prepareEventConsumers(app.connectMicroservice<MicroserviceOptions>({ strategy: transport }, { deferInitialization: true }));
  return transport;
};

import { EventStore, Subscription, WrongExpectedRevisionError } from '@crm/event-sourcing';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from 'pg';

/** Where a consumer-group lag reading comes from (the Kafka bus, in distributed mode). */
export type ConsumerLagSource = () => Promise<Array<{ group: string; topic: string; partition: number; lag: number }>>;

type Watched = { subscription: Subscription; categories?: readonly string[] };

/**
 * The process's Prometheus metrics (instrument the store before building the embedded bus on it, so
 * that the bus's subscriptions are watched too): HTTP latency, commands, appended events by type, append latency,
 * optimistic-concurrency conflicts, subscription and consumer-group lag, dead letters. Lag and dead
 * letters are read when scraped, so they are never stale.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly commands: Counter<'route' | 'outcome'>;
  readonly eventsAppended: Counter<'type'>;
  readonly appendDuration: Histogram<never>;
  readonly conflicts: Counter<'kind'>;
  /** Progress of read-model rebuilds run in this process (POST /analytics/rebuild). */
  readonly rebuilds: ProjectionRebuildMetrics;
  private readonly watched: Watched[] = [];
  private consumerLag?: ConsumerLagSource;
  private deadLetters?: () => Promise<Array<{ consumer: string; count: number }>>;

  constructor(
    readonly service: string,
    private readonly store?: EventStore,
  ) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'crm_' });
    this.httpDuration = new Histogram({
      name: 'crm_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.commands = new Counter({ name: 'crm_commands_total', help: 'Commands (POST, PUT, PATCH, DELETE) by route and outcome (accepted, rejected, failed)', labelNames: ['route', 'outcome'], registers: [this.registry] });
    this.eventsAppended = new Counter({ name: 'crm_events_appended_total', help: 'Events appended to the event store, by type', labelNames: ['type'], registers: [this.registry] });
    this.appendDuration = new Histogram({
      name: 'crm_event_store_append_duration_seconds',
      help: 'Latency of one append to the event store',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    this.conflicts = new Counter({
      name: 'crm_optimistic_concurrency_conflicts_total',
      help: 'Concurrency conflicts: a stale If-Match answered 412 (kind="if-match"), or an append refused because the stream had moved on since it was read (kind="append", then retried or answered)',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.rebuilds = new ProjectionRebuildMetrics(this.registry);
    const lagEvents: Gauge<string> = new Gauge({
      name: 'crm_subscription_lag_events',
      help: 'Global positions between the store head and what a subscription has handled (other categories included)',
      labelNames: ['subscription'],
      registers: [this.registry],
      collect: async () => {
        const head = this.store ? await this.store.headPosition().catch(() => undefined) : undefined;
        lagEvents.reset();
        if (head === undefined) return;
        for (const { subscription } of this.watched) lagEvents.set({ subscription: subscription.name }, Math.max(0, head - subscription.position));
      },
    });
    const lagSeconds: Gauge<string> = new Gauge({
      name: 'crm_subscription_lag_seconds',
      help: 'Age of the oldest event of its categories a subscription has not handled yet (0 when caught up)',
      labelNames: ['subscription'],
      registers: [this.registry],
      collect: async () => {
        lagSeconds.reset();
        if (!this.store) return;
        for (const { subscription, categories } of this.watched) {
          const [next] = await this.store.readAll({ after: subscription.position, maxCount: 1, categories }).catch(() => []);
          lagSeconds.set({ subscription: subscription.name }, next ? Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000) : 0);
        }
      },
    });
    const consumerLag: Gauge<string> = new Gauge({
      name: 'crm_consumer_group_lag_messages',
      help: 'Kafka messages not yet consumed, per consumer group, topic and partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [this.registry],
      collect: async () => {
        consumerLag.reset();
        for (const entry of (await this.consumerLag?.().catch(() => [])) ?? []) consumerLag.set({ group: entry.group, topic: entry.topic, partition: String(entry.partition) }, entry.lag);
      },
    });
    const deadLetterGauge: Gauge<string> = new Gauge({
      name: 'crm_dead_letters',
      help: 'Events a consumer gave up on after its retries (Kafka: sent to <topic>.dlq; embedded: kept in event_bus.dead_letters)',
      labelNames: ['consumer'],
      registers: [this.registry],
      collect: async () => {
        deadLetterGauge.reset();
        for (const entry of (await this.deadLetters?.().catch(() => [])) ?? []) deadLetterGauge.set({ consumer: entry.consumer }, entry.count);
      },
    });
  }

  /** Each store subscription's lag, as the readiness check reports it. */
  async subscriptionLag(): Promise<Record<string, { position: number; lagSeconds: number }>> {
    const result: Record<string, { position: number; lagSeconds: number }> = {};
    for (const { subscription, categories } of this.watched) {
      const [next] = this.store ? await this.store.readAll({ after: subscription.position, maxCount: 1, categories }).catch(() => []) : [];
      result[subscription.name] = { position: subscription.position, lagSeconds: next ? Math.max(0, Math.round((Date.now() - Date.parse(next.recordedAt)) / 100) / 10) : 0 };
    }
    return result;
  }

  watchConsumerLag(source: ConsumerLagSource): void {
    this.consumerLag = source;
  }

  /** Dead letters: the embedded table, plus what a Kafka bus counted. */
  watchDeadLetters(pool: Pool, kafkaCount?: () => number): void {
    this.deadLetters = async () => {
      const { rows } = await pool.query<{ consumer: string; count: number }>(
        'SELECT consumer, count(*)::int AS count FROM event_bus.dead_letters GROUP BY consumer',
      );
      return kafkaCount ? [...rows, { consumer: 'kafka-dlq', count: kafkaCount() }] : rows;
    };
  }

  /** The store, counted and timed: every append and every subscription it starts (other methods pass through). */
  instrumentStore<Store extends EventStore>(store: Store): Store {
    const appendToStream: EventStore['appendToStream'] = async (streamId, events, options) => {
      const stop = this.appendDuration.startTimer();
      try {
        const result = await store.appendToStream(streamId, events, options);
        for (const event of events) this.eventsAppended.inc({ type: event.type });
        return result;
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) this.conflicts.inc({ kind: 'append' });
        throw error;
      } finally {
        stop();
      }
    };
    const subscribe: EventStore['subscribe'] = async (options) => {
      const subscription = await store.subscribe(options);
      this.watched.push({ subscription, categories: options.categories });
      return subscription;
    };
    return new Proxy(store, {
      get: (target, property, receiver) => {
        if (property === 'appendToStream') return appendToStream;
        if (property === 'subscribe') return subscribe;
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

/** One rebuild's reporting: progress as it goes, then how it ended. */
export type RebuildTracker = {
  progress: (applied: number, total: number | null) => void;
  done: (applied: number) => void;
  failed: () => void;
};

/**
 * Projection rebuild progress as Prometheus metrics, per projection: events replayed (a counter),
 * the estimate of the total, the ratio done (0..1, 1 once finished) and whether one is running.
 * On a service's registry, or on its own one in the rebuild CLI (which prints or pushes it).
 */
export class ProjectionRebuildMetrics {
  readonly events: Counter<'projection'>;
  readonly ratio: Gauge<'projection'>;
  readonly estimate: Gauge<'projection'>;
  readonly running: Gauge<'projection'>;

  constructor(registry: Registry) {
    this.events = new Counter({ name: 'crm_projection_rebuild_events_total', help: 'Events replayed by projection rebuilds', labelNames: ['projection'], registers: [registry] });
    this.ratio = new Gauge({
      name: 'crm_projection_rebuild_progress_ratio',
      help: 'Progress of the current (or last) rebuild of a projection: events replayed over the estimated total, 1 when it finished',
      labelNames: ['projection'],
      registers: [registry],
    });
    this.estimate = new Gauge({ name: 'crm_projection_rebuild_events_estimate', help: 'Estimated number of events the current (or last) rebuild replays', labelNames: ['projection'], registers: [registry] });
    this.running = new Gauge({ name: 'crm_projection_rebuild_running', help: '1 while a rebuild of the projection runs', labelNames: ['projection'], registers: [registry] });
  }

  start(projection: string): RebuildTracker {
    const labels = { projection };
    let counted = 0;
    const count = (applied: number) => {
      if (applied > counted) this.events.inc(labels, applied - counted);
      counted = Math.max(counted, applied);
    };
    this.running.set(labels, 1);
    this.ratio.set(labels, 0);
    return {
      progress: (applied, total) => {
        count(applied);
        if (total !== null) this.estimate.set(labels, total);
        this.ratio.set(labels, total ? Math.min(1, applied / total) : 0);
      },
      done: (applied) => {
        count(applied);
        this.ratio.set(labels, 1);
        this.running.set(labels, 0);
      },
      failed: () => this.running.set(labels, 0),
    };
  }
}

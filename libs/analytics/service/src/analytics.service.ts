import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ActivityMetric, EventEnvelope, formatMoney, Money, parseMoney, serviceCategories, streamCategories, TargetMetric, TargetScope } from '@crm/contracts';
import {
  activityRatiosStreamId,
  AnalyticsSettingCommand,
  analyticsSettingDecider,
  AnalyticsSettingEvent,
  AnalyticsSettingState,
  costStreamId,
  forecastStreamId,
  parsePeriod,
  targetStreamId,
} from '@crm/analytics-domain';
import { CommandContext, createCommandHandler, EventBus, EventStore, SqlExecutor, Subscription } from '@crm/event-sourcing';
import { EVENT_BUS, EVENT_STORE, PG_POOL, RequestValidationFailed } from '@crm/platform';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AnalyticsQueries } from './analytics.queries';
import { analyticsSchemaSql, assertSchemaName, projectedTables } from './analytics.schema';
import { createAnalyticsDataSource, managerOn } from './data-source';
import { AnalyticsForecasts } from './forecasting';
import { projectEvents, projectionLockSql } from './projector';

export const ANALYTICS_SETTINGS = Symbol('ANALYTICS_SETTINGS');
export type AnalyticsSettings = { schema: string; clock: () => Date };
export const defaultAnalyticsSettings: AnalyticsSettings = { schema: 'analytics', clock: () => new Date() };

/** The other contexts' categories analytics projects, and its own. */
export const foreignCategories = Object.entries(serviceCategories)
  .filter(([context]) => context !== 'analytics')
  .flatMap(([, categories]) => categories);
export const ownCategories = [...serviceCategories.analytics];

/** The projector's name: its checkpoint in embedded mode, its Kafka consumer group (shared by analytics' instances) otherwise. */
export const analyticsProjectorConsumer = 'analytics.projector';

export type SettingResult = { revision: number; position: number | null };

export type RebuildProgress = { applied: number; total: number | null; source: 'store' | 'event-log' };

/** Projectors into the read models, the analytics commands (costs, targets), and a rebuild. */
@Injectable()
export class AnalyticsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AnalyticsService');
  private readonly handle: ReturnType<typeof createCommandHandler<AnalyticsSettingCommand, AnalyticsSettingEvent, AnalyticsSettingState>>;
  readonly schema: string;
  dataSource?: DataSource;
  queries?: AnalyticsQueries;
  forecasting?: AnalyticsForecasts;
  settingsProjector?: Subscription;

  /** The projector of the other contexts' events (the @EventPattern consumer in AnalyticsConsumers), once it runs. */
  get projector(): Subscription | undefined {
    return this.bus.subscription(analyticsProjectorConsumer);
  }

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ANALYTICS_SETTINGS) private readonly settings: AnalyticsSettings,
  ) {
    this.schema = assertSchemaName(settings.schema);
    this.handle = createCommandHandler(store, analyticsSettingDecider);
  }

  async onModuleInit(): Promise<void> {
    await this.pool.query(analyticsSchemaSql(this.schema));
    this.dataSource = await createAnalyticsDataSource(this.pool, this.schema);
    this.queries = new AnalyticsQueries(this.dataSource, this.schema, this.settings.clock);
    this.forecasting = new AnalyticsForecasts(this.dataSource, this.schema, this.settings.clock);
    const onError = (name: string) => (error: unknown, attempt: number) => this.logger.error(`${name} failed (attempt ${attempt}): ${(error as Error).message}`);
    // The other contexts' events arrive over the bus (the store itself, or Kafka) at AnalyticsConsumers;
    // analytics' own from its store, so that a cost or target just recorded can be read back by its position.
    this.settingsProjector = await this.store.subscribe({ name: 'analytics.settings', categories: ownCategories, handler: (events, { tx }) => this.apply(events, tx), onError: onError('settings projector') });
  }

  async onModuleDestroy(): Promise<void> {
    await this.settingsProjector?.stop();
  }

  /** Projects events into the read models in `tx`, the transaction that also records them as applied. */
  async apply(events: EventEnvelope[], tx: SqlExecutor | undefined): Promise<void> {
    if (!tx || !this.dataSource) throw new Error('the analytics projector needs a transactional subscription');
    const manager = managerOn(this.dataSource, tx);
    await manager.query(projectionLockSql(this.schema, 'shared'));
    await projectEvents(manager, this.schema, events);
  }

  /**
   * Read-your-writes: waits (up to 5 s) until the projectors have applied `position`. In
   * distributed mode only analytics' own positions can be waited for: the other services'
   * positions are their own stores'.
   */
  async waitFor(position: number, timeoutMs = 5_000): Promise<void> {
    const subscriptions = [this.settingsProjector, ...(this.bus.local ? [this.projector] : [])];
    await Promise.all(subscriptions.map((subscription) => subscription?.waitFor(position, timeoutMs)));
  }

  now(): Date {
    return this.settings.clock();
  }

  /** Recorded marketing costs, through TypeORM's repository. */
  async costs(tenantId: string, period?: string) {
    const rows = await this.readModels.costRecords(tenantId, period);
    return rows.map((row) => ({ source: row.source, period: row.period, ...formatMoney({ amountMinor: row.amountMinor, currency: row.currency }) }));
  }

  get forecasts(): AnalyticsForecasts {
    if (!this.forecasting) throw new Error('the analytics module has not started');
    return this.forecasting;
  }

  /** Records today's snapshots of the period's forecasts (one per method and day), for the accuracy report. */
  async recordForecasts(period: string, currency: string | undefined, context: CommandContext) {
    const day = context.now.slice(0, 10);
    const recorded = [];
    for (const snapshot of await this.forecasts.snapshotsFor(context.metadata.tenantId, period, currency)) {
      const money = (amountMinor: number) => ({ amountMinor, currency: snapshot.currency });
      const forecast = {
        period,
        method: snapshot.method,
        expected: money(snapshot.expectedMinor),
        ...(snapshot.p10Minor !== undefined ? { p10: money(snapshot.p10Minor) } : {}),
        ...(snapshot.p90Minor !== undefined ? { p90: money(snapshot.p90Minor) } : {}),
        asOf: context.now,
      };
      const result = await this.handle(forecastStreamId(context.metadata.tenantId, period, snapshot.method, day), { type: 'RecordForecast', forecast, at: context.now }, context);
      recorded.push({ method: snapshot.method, expected: formatMoney(forecast.expected), ...(forecast.p10 ? { p10: formatMoney(forecast.p10).amount, p90: formatMoney(forecast.p90 as Money).amount } : {}), recordedOn: day, position: result.position });
    }
    return recorded;
  }

  /** The focus list, with deals' win probabilities from the learned stage model (a stage below `minSamples` keeps its default). */
  async focus(tenantId: string, ownerId: string, options: { minSamples: number; limit: number }) {
    const model = await this.forecasts.stageProbabilities(tenantId, options.minSamples);
    const winByStage = new Map(model.stages.map((stage) => [stage.stage.toLowerCase(), stage.winProbability]));
    return this.readModels.focus(tenantId, ownerId, winByStage, options.limit);
  }

  get readModels(): AnalyticsQueries {
    if (!this.queries) throw new Error('the analytics module has not started');
    return this.queries;
  }

  // --- commands ------------------------------------------------------------------------------------

  async recordCost(input: { source: string; period: string; amount: string; currency: string }, context: CommandContext): Promise<SettingResult & { data: { source: string; period: string; amount: Money } }> {
    const amount = this.validate(input.period, input.amount, input.currency);
    const command: AnalyticsSettingCommand = { type: 'RecordMarketingCost', source: input.source, period: input.period, amount, at: context.now };
    const result = await this.handle(costStreamId(context.metadata.tenantId, input.source, input.period), command, context);
    return { revision: result.revision, position: result.position, data: { source: input.source, period: input.period, amount } };
  }

  async setTarget(input: { scope: TargetScope; scopeId: string; period: string; amount: string; currency: string }, context: CommandContext): Promise<SettingResult & { data: { scope: TargetScope; scopeId: string; period: string; amount: Money } }> {
    const amount = this.validate(input.period, input.amount, input.currency);
    const command: AnalyticsSettingCommand = { type: 'SetTarget', scope: input.scope, scopeId: input.scopeId, period: input.period, amount, at: context.now };
    const result = await this.handle(targetStreamId(context.metadata.tenantId, input.scope, input.scopeId, input.period), command, context);
    return { revision: result.revision, position: result.position, data: { scope: input.scope, scopeId: input.scopeId, period: input.period, amount } };
  }

  /** An activity target: `count` activities of `metric` logged by the scope's members in the period. */
  async setActivityTarget(
    input: { scope: TargetScope; scopeId: string; period: string; metric: ActivityMetric; count: number },
    context: CommandContext,
  ): Promise<SettingResult & { data: { scope: TargetScope; scopeId: string; period: string; metric: TargetMetric; count: number } }> {
    if (!parsePeriod(input.period)) throw new RequestValidationFailed([{ field: 'period', messages: ['period must be a month (YYYY-MM) or a quarter (YYYY-Qn)'] }]);
    const command: AnalyticsSettingCommand = { type: 'SetTarget', scope: input.scope, scopeId: input.scopeId, period: input.period, metric: input.metric, count: input.count, at: context.now };
    const result = await this.handle(targetStreamId(context.metadata.tenantId, input.scope, input.scopeId, input.period, input.metric), command, context);
    return { revision: result.revision, position: result.position, data: { ...input } };
  }

  /** The activity plan's ratios for one currency: activities planned per `per` of revenue target. */
  async setActivityRatios(input: { per: string; currency: string; ratios: Partial<Record<ActivityMetric, number>> }, context: CommandContext) {
    const per = parseMoney(input.per, input.currency);
    if (!per || per.amountMinor <= 0) throw new RequestValidationFailed([{ field: 'per', messages: [`per must be a positive decimal with at most ${input.currency}'s decimal digits`] }]);
    const command: AnalyticsSettingCommand = { type: 'SetActivityRatios', per, ratios: input.ratios, at: context.now };
    const result = await this.handle(activityRatiosStreamId(context.metadata.tenantId, input.currency), command, context);
    return { revision: result.revision, position: result.position, data: { per, ratios: input.ratios } };
  }

  private validate(period: string, amount: string, currency: string): Money {
    const errors = [];
    if (!parsePeriod(period)) errors.push({ field: 'period', messages: ['period must be a month (YYYY-MM) or a quarter (YYYY-Qn)'] });
    const money = parseMoney(amount, currency);
    if (!money) errors.push({ field: 'amount', messages: [`amount must be a non-negative decimal with at most ${currency}'s decimal digits`] });
    if (errors.length || !money) throw new RequestValidationFailed(errors);
    return money;
  }

  // --- rebuild -------------------------------------------------------------------------------------

  /**
   * Empties every read model and replays the log into them in one transaction: readers see the old
   * answers until it commits, and live batches wait for it (they take the projection lock shared).
   * `store` replays this service's event store from the start (embedded mode, where it holds every
   * context's events) and refills the event-log copy; `event-log` replays that copy (distributed
   * mode, where the other contexts' events live in their own stores).
   */
  async rebuild(source: 'store' | 'event-log', onProgress: (progress: RebuildProgress) => void = () => undefined, batchSize = 2_000): Promise<RebuildProgress> {
    if (!this.dataSource) throw new Error('the analytics module has not started');
    return rebuildReadModels({ dataSource: this.dataSource, schema: this.schema, store: this.store, source, onProgress, batchSize });
  }
}

export const rebuildReadModels = async (options: {
  dataSource: DataSource;
  schema: string;
  store: EventStore;
  source: 'store' | 'event-log';
  onProgress?: (progress: RebuildProgress) => void;
  batchSize?: number;
}): Promise<RebuildProgress> => {
  const { dataSource, schema, store, source } = options;
  const batchSize = options.batchSize ?? 2_000;
  const categories = [...streamCategories];
  return dataSource.transaction(async (manager) => {
    await manager.query(projectionLockSql(schema, 'exclusive'));
    const emptied = [...projectedTables, ...(source === 'store' ? ['event_log'] : [])].map((name) => `${schema}.${name}`);
    await manager.query(`TRUNCATE ${emptied.join(', ')}`);
    let applied = 0;
    if (source === 'store') {
      const total = await store.headPosition();
      for (let after = 0; ; ) {
        const events = await store.readAll({ after, maxCount: batchSize, categories });
        if (events.length === 0) break;
        applied += await projectEvents(manager, schema, events);
        after = events[events.length - 1].globalPosition;
        options.onProgress?.({ applied, total, source });
      }
      return { applied, total, source };
    }
    const [{ count }] = (await manager.query(`SELECT count(*)::int AS count FROM ${schema}.event_log`)) as Array<{ count: number }>;
    for (let after = 0; ; ) {
      const rows = (await manager.query(
        `SELECT seq, event_id, stream_id, type, schema_version, revision, origin_position, occurred_at, recorded_at, tenant_id, actor_id, actor_role,
                correlation_id, causation_id, traceparent, data FROM ${schema}.event_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [after, batchSize],
      )) as Array<Record<string, unknown>>;
      if (rows.length === 0) break;
      const events: EventEnvelope[] = rows.map((row) => ({
        id: row.event_id as string,
        type: row.type as string,
        schemaVersion: row.schema_version as number,
        streamId: row.stream_id as string,
        revision: Number(row.revision),
        globalPosition: Number(row.origin_position),
        occurredAt: new Date(row.occurred_at as string).toISOString(),
        recordedAt: new Date(row.recorded_at as string).toISOString(),
        metadata: {
          tenantId: row.tenant_id as string,
          actor: { id: row.actor_id as string, role: row.actor_role as EventEnvelope['metadata']['actor']['role'] },
          correlationId: row.correlation_id as string,
          causationId: row.causation_id as string,
          ...(row.traceparent ? { traceparent: row.traceparent as string } : {}),
        },
        data: row.data,
      }));
      applied += await projectEvents(manager, schema, events, { record: false });
      after = Number(rows[rows.length - 1].seq);
      options.onProgress?.({ applied, total: count, source });
    }
    return { applied, total: count, source };
  });
};

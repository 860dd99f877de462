import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DealWentStale, EventEnvelope, ForecastCategory, LeadConverted, Money, parseMoney, PipelineStage, TeamMemberUpserted } from '@crm/contracts';
import { CommandContext, CommandRejected, EventBus, EventStore, SqlExecutor, Subscription, WrongExpectedRevisionError, createCommandHandler, derivedEventId, foldEvents, metadataCausedBy } from '@crm/event-sourcing';
import {
  defaultIdleDays,
  Opportunity,
  OpportunityCommand,
  opportunityDecider,
  OpportunityState,
  opportunityStreamId,
  OpportunityStreamEvent,
  PipelineCommand,
  pipelineDecider,
  PipelineEvent,
  PipelineState,
  pipelineStreamId,
  stageKey,
} from '@crm/opportunities-domain';
import { AccessScope, accessScope, EVENT_BUS, EVENT_STORE, FieldError, inScope, PG_POOL, readDirectory, RequestActor, RequestValidationFailed } from '@crm/platform';
import { Pool } from 'pg';
import { opportunityView, OpportunityView } from './http/opportunity.view';
import { opportunitiesSchemaSql, opportunityTables, OpportunityTables } from './opportunities.schema';
import { OpportunityQueries } from './opportunity.queries';
import { projectOpportunityEvents } from './opportunity-view.projection';
import { OPPORTUNITIES_SETTINGS, OpportunitiesSettings, WIN_PROBABILITIES, WinProbabilities } from './settings';

export type DealResult = { state: Opportunity; revision: number; position: number | null };
export type PipelineResult = { state: PipelineState; revision: number; position: number | null };

export type OpenOpportunityInput = {
  name: string;
  accountName: string;
  amount: string;
  currency?: string;
  productType: string;
  ownerId: string;
  stage?: string;
  expectedCloseDate: string;
  leadId?: string;
  /** The customer account (leads context); its id only, as this context cannot read the leads context's accounts. */
  accountId?: string;
  occurredAt?: string;
};
export type UpdateOpportunityInput = { amount?: string; currency?: string; expectedCloseDate?: string; ownerId?: string; forecastCategory?: ForecastCategory; name?: string };
export type WinOpportunityInput = { amount?: string; currency?: string; occurredAt?: string };
export type LoseOpportunityInput = { reason: string; competitor?: string; occurredAt?: string };
export type PipelineStageInput = { name: string; probability: number; forecastCategory: ForecastCategory; idleDays?: number };

const dayMs = 86_400_000;

/** The names (checkpoints, Kafka consumer groups) of the opportunities context's bus consumers. */
export const opportunitiesConsumers = {
  activities: 'opportunities.activities',
  leadConversions: 'opportunities.lead-conversions',
  teamDirectory: 'opportunities.team-directory',
} as const;

/** Commands of the opportunities context, its read model, and the policies that react to events. */
@Injectable()
export class OpportunitiesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('OpportunitiesService');
  private readonly handle: ReturnType<typeof createCommandHandler<OpportunityCommand, OpportunityStreamEvent, OpportunityState>>;
  private readonly handlePipeline: ReturnType<typeof createCommandHandler<PipelineCommand, PipelineEvent, PipelineState>>;
  readonly tables: OpportunityTables;
  readonly queries: OpportunityQueries;
  viewSubscription?: Subscription;
  private subscriptions: Subscription[] = [];
  private staleTimer?: NodeJS.Timeout;
  private staleCheck?: Promise<number>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(OPPORTUNITIES_SETTINGS) private readonly settings: OpportunitiesSettings,
    @Inject(WIN_PROBABILITIES) private readonly probabilities: WinProbabilities,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {
    this.handle = createCommandHandler(store, opportunityDecider);
    this.handlePipeline = createCommandHandler(store, pipelineDecider);
    this.tables = opportunityTables(settings.schema);
    this.queries = new OpportunityQueries(pool, this.tables);
  }

  async onModuleInit(): Promise<void> {
    await this.pool.query(opportunitiesSchemaSql(this.tables));
    const onError = (name: string) => (error: unknown, attempt: number) => this.logger.error(`${name} failed (attempt ${attempt}): ${(error as Error).message}`);
    this.viewSubscription = await this.store.subscribe({
      name: 'opportunities.opportunity-view',
      categories: ['opportunity'],
      handler: async (events, { tx }) => {
        if (!tx) throw new Error('the opportunity view needs a transactional subscription');
        await projectOpportunityEvents(events, tx, this.tables);
      },
      onError: onError('opportunity view'),
    });
    // Other contexts' events (activities, conversions, the team directory) reach OpportunitiesConsumers.
    this.subscriptions = [this.viewSubscription];
    if (this.settings.staleCheckEveryMs > 0) {
      this.staleTimer = setInterval(() => void this.runStaleCheck(), this.settings.staleCheckEveryMs);
      this.staleTimer.unref();
    }
  }

  /** The bus consumers (@EventPattern handlers in OpportunitiesConsumers), once they run: what tests and reads wait on. */
  get activitySubscription(): Subscription | undefined {
    return this.bus.subscription(opportunitiesConsumers.activities);
  }

  get conversionSubscription(): Subscription | undefined {
    return this.bus.subscription(opportunitiesConsumers.leadConversions);
  }

  /** Records a team member's manager and region: who may see which deals (a manager those of the reps under them). */
  async applyTeamDirectory(events: EventEnvelope[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      if (event.type !== 'TeamMemberUpserted') continue;
      const member = event.data as TeamMemberUpserted['data'];
      await tx.query(
        `INSERT INTO ${this.tables.team} (tenant_id, member_id, manager_id, region) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, member_id) DO UPDATE SET manager_id = EXCLUDED.manager_id, region = EXCLUDED.region`,
        [event.metadata.tenantId, member.memberId, member.managerId ?? null, member.region ?? null],
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.staleTimer);
    await this.staleCheck;
    await Promise.all(this.subscriptions.map((subscription) => subscription.stop()));
  }

  // --- pipeline -------------------------------------------------------------------------------

  async pipeline(tenantId: string): Promise<{ state: PipelineState; revision: number }> {
    const { events, revision } = await this.store.readStream(pipelineStreamId(tenantId));
    return { state: foldEvents(pipelineDecider, events as unknown as PipelineEvent[]), revision };
  }

  async definePipeline(stages: PipelineStageInput[], context: CommandContext): Promise<PipelineResult> {
    const errors: FieldError[] = [];
    const seen = new Map<string, number>();
    stages.forEach((stage, index) => {
      const key = stageKey(stage.name);
      if (key === 'won' || key === 'lost') errors.push({ field: `stages[${index}].name`, messages: [`${stage.name} is an outcome, reached by win or lose, not an open stage`] });
      else if (seen.has(key)) errors.push({ field: `stages[${index}].name`, messages: [`stage ${stage.name} is already stages[${seen.get(key)}]`] });
      seen.set(key, index);
    });
    if (errors.length) throw new RequestValidationFailed(errors);
    const tenantId = context.metadata.tenantId;
    // The open-deal counts come from the read model: let it catch up first so a deal that just
    // entered a stage is counted.
    await this.catchUpView();
    const openDealsByStage = await this.queries.openDealsByStage(tenantId);
    const result = await this.handlePipeline(
      pipelineStreamId(tenantId),
      { type: 'DefinePipelineStages', stages: stages.map((stage): PipelineStage => ({ ...stage, idleDays: stage.idleDays ?? defaultIdleDays })), openDealsByStage },
      context,
    );
    return { state: result.state, revision: result.revision, position: result.position };
  }

  // --- deals ----------------------------------------------------------------------------------

  async open(input: OpenOpportunityInput, context: CommandContext): Promise<DealResult & { opportunityId: string }> {
    const amount = money('amount', input.amount, input.currency ?? 'EUR');
    const opportunityId = randomUUID();
    const { state: pipeline } = await this.pipeline(context.metadata.tenantId);
    const result = await this.run(
      opportunityId,
      { ...context, expectedRevision: undefined },
      {
        type: 'OpenOpportunity',
        opportunityId,
        name: input.name.trim(),
        accountName: input.accountName.trim(),
        amount,
        productType: input.productType.trim(),
        ownerId: input.ownerId,
        stage: input.stage,
        expectedCloseDate: input.expectedCloseDate,
        leadId: input.leadId?.toLowerCase(),
        ...(input.accountId ? { accountId: input.accountId.toLowerCase() } : {}),
        occurredAt: instant(input.occurredAt, context),
        pipeline: pipeline.stages,
      },
    );
    return { opportunityId, ...result };
  }

  async get(opportunityId: string, tenantId: string): Promise<{ state: Opportunity; revision: number; events: EventEnvelope[] }> {
    const { events, revision } = await this.store.readStream(opportunityStreamId(opportunityId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw notFound();
    const state = foldEvents(opportunityDecider, events as unknown as OpportunityStreamEvent[]);
    if (!state.exists) throw notFound();
    return { state, revision, events };
  }

  /** What the caller may see of the tenant's deals (by owner), from this context's copy of the team directory. */
  async scopeOf(actor: RequestActor): Promise<AccessScope> {
    return accessScope(actor, await readDirectory(this.pool, this.tables.team, actor.tenantId));
  }

  /** The deal, when the caller may see it: another owner's deal is a 404 like another tenant's. */
  async getFor(opportunityId: string, actor: RequestActor): Promise<{ state: Opportunity; revision: number; events: EventEnvelope[] }> {
    const found = await this.get(opportunityId, actor.tenantId);
    if (!inScope(await this.scopeOf(actor), { ownerId: found.state.ownerId })) throw notFound();
    return found;
  }

  async changeStage(opportunityId: string, stage: string, occurredAt: string | undefined, context: CommandContext): Promise<DealResult> {
    const { state: pipeline } = await this.pipeline(context.metadata.tenantId);
    return this.run(opportunityId, context, { type: 'ChangeStage', stage: stage.trim(), occurredAt: instant(occurredAt, context), pipeline: pipeline.stages });
  }

  async update(opportunityId: string, input: UpdateOpportunityInput, context: CommandContext): Promise<DealResult> {
    const amount = await this.amountOf(opportunityId, input, context);
    return this.run(opportunityId, context, {
      type: 'UpdateOpportunity',
      changes: {
        ...(amount ? { amount } : {}),
        ...(input.expectedCloseDate !== undefined ? { expectedCloseDate: input.expectedCloseDate } : {}),
        ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
        ...(input.forecastCategory !== undefined ? { forecastCategory: input.forecastCategory } : {}),
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      },
    });
  }

  async win(opportunityId: string, input: WinOpportunityInput, context: CommandContext): Promise<DealResult> {
    const amount = await this.amountOf(opportunityId, input, context);
    return this.run(opportunityId, context, { type: 'WinOpportunity', amount, occurredAt: instant(input.occurredAt, context) });
  }

  lose(opportunityId: string, input: LoseOpportunityInput, context: CommandContext): Promise<DealResult> {
    return this.run(opportunityId, context, { type: 'LoseOpportunity', reason: input.reason.trim(), competitor: input.competitor?.trim(), occurredAt: instant(input.occurredAt, context) });
  }

  async reopen(opportunityId: string, context: CommandContext): Promise<DealResult> {
    const { state: pipeline } = await this.pipeline(context.metadata.tenantId);
    return this.run(opportunityId, context, { type: 'ReopenOpportunity', occurredAt: context.now, pipeline: pipeline.stages });
  }

  /**
   * The API's representation of deals: current stage defaults, learned probabilities, ages as of
   * now. `lastActivityAt` as the read model has it (null: none); undefined looks it up.
   */
  async present(tenantId: string, deals: Array<{ state: Opportunity; revision: number; lastActivityAt?: string | null }>): Promise<OpportunityView[]> {
    if (deals.length === 0) return [];
    const [{ state: pipeline }, learned] = await Promise.all([this.pipeline(tenantId), this.probabilities.learned(tenantId, deals.map((deal) => deal.state))]);
    const now = this.settings.clock().toISOString();
    return Promise.all(
      deals.map(async (deal) =>
        opportunityView(deal.state, deal.revision, {
          pipeline: pipeline.stages,
          now,
          lastActivityAt: deal.lastActivityAt === undefined ? await this.queries.lastActivityAt(tenantId, deal.state.opportunityId) : (deal.lastActivityAt ?? undefined),
          learned: learned.get(deal.state.opportunityId),
        }),
      ),
    );
  }

  // --- policies -------------------------------------------------------------------------------

  /**
   * Opens the deal a lead conversion announced, under the id the leads service chose. The stream
   * must not exist yet and the event id derives from the LeadConverted event, so however often the
   * event is delivered, one deal is opened; an existing stream means it was done before.
   */
  async openFromLeadConversion(event: EventEnvelope): Promise<'opened' | 'already-open' | 'rejected'> {
    const data = event.data as LeadConverted['data'];
    const tenantId = event.metadata.tenantId;
    const { state: pipeline } = await this.pipeline(tenantId);
    const context: CommandContext = {
      metadata: metadataCausedBy(event, { id: 'lead-conversion', role: 'system' }, 'open-opportunity'),
      now: event.occurredAt,
      expectedRevision: -1,
      eventId: (index) => derivedEventId(event.id, `open-opportunity-${index}`),
    };
    try {
      await this.handle(
        opportunityStreamId(data.opportunityId.toLowerCase()),
        {
          type: 'OpenOpportunity',
          opportunityId: data.opportunityId.toLowerCase(),
          name: data.opportunityName,
          accountName: data.accountName,
          amount: data.amount,
          productType: data.productType,
          // A lead converted without an owner goes to whoever converted it.
          ownerId: data.ownerId ?? event.metadata.actor.id,
          expectedCloseDate: data.expectedCloseDate,
          leadId: data.leadId,
          ...(data.accountId ? { accountId: data.accountId.toLowerCase() } : {}),
          occurredAt: event.occurredAt,
          pipeline: pipeline.stages,
        },
        context,
      );
      return 'opened';
    } catch (error) {
      // The stream exists: opened by an earlier delivery. (The store's readStream may report the
      // events of a concurrent append before its revision, so the decider can be the one to notice.)
      if (error instanceof WrongExpectedRevisionError || (error instanceof CommandRejected && error.code === 'opportunity-exists')) return 'already-open';
      // A decision that failed once fails on every redelivery: log it rather than block the subscription.
      if (error instanceof CommandRejected) {
        this.logger.error(`LeadConverted ${event.id} cannot open opportunity ${data.opportunityId}: ${error.code} ${error.message}`);
        return 'rejected';
      }
      throw error;
    }
  }

  /**
   * Flags open deals idle past their stage's limit. Candidates come from the read model; the
   * decider re-checks each against its stream, and the event id derives from the idle period, so a
   * period is flagged once even when checks overlap or a restarted scheduler checks again.
   */
  async checkStaleDeals(): Promise<number> {
    await this.catchUpView();
    const now = this.settings.clock();
    const asOf = now.toISOString();
    const run = randomUUID();
    let flagged = 0;
    for (const tenantId of await this.queries.tenantsWithOpenDeals()) {
      const { state: pipeline } = await this.pipeline(tenantId);
      for (const stage of pipeline.stages) {
        const idleBefore = new Date(now.getTime() - stage.idleDays * dayMs).toISOString();
        for (const candidate of await this.queries.staleCandidates(tenantId, stage.name, idleBefore)) {
          try {
            const result = await this.handle(
              opportunityStreamId(candidate.opportunityId),
              { type: 'FlagStaleDeal', asOf, lastActivityAt: candidate.lastActivityAt, pipeline: pipeline.stages },
              {
                metadata: { tenantId, actor: { id: 'stale-deal-scheduler', role: 'system' }, correlationId: run, causationId: run },
                now: asOf,
                eventId: (_index, event) => derivedEventId(candidate.opportunityId, `stale:${(event.data as DealWentStale['data']).idleSince}`),
              },
            );
            flagged += result.events.length;
          } catch (error) {
            this.logger.warn(`stale check of opportunity ${candidate.opportunityId} failed: ${(error as Error).message}`);
          }
        }
      }
    }
    return flagged;
  }

  private runStaleCheck(): Promise<number> {
    this.staleCheck ??= this.checkStaleDeals()
      .catch((error: unknown) => {
        this.logger.error(`stale-deal check failed: ${(error as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.staleCheck = undefined;
      });
    return this.staleCheck;
  }

  /** Waits (briefly) until the view has applied what the log held when this was called. */
  async catchUpView(timeoutMs = 10_000): Promise<void> {
    const subscription = this.viewSubscription;
    if (!subscription) return;
    await subscription.waitFor(await this.store.headPosition(), timeoutMs);
  }

  private async amountOf(opportunityId: string, input: { amount?: string; currency?: string }, context: CommandContext): Promise<Money | undefined> {
    if (input.amount === undefined) {
      if (input.currency !== undefined) throw new RequestValidationFailed([{ field: 'currency', messages: ['currency is given together with amount'] }]);
      return undefined;
    }
    // Without a currency the amount is in the deal's own.
    const currency = input.currency ?? (await this.get(opportunityId, context.metadata.tenantId)).state.amount.currency;
    return money('amount', input.amount, currency);
  }

  private async run(opportunityId: string, context: CommandContext, command: OpportunityCommand): Promise<DealResult> {
    try {
      const result = await this.handle(opportunityStreamId(opportunityId), command, context);
      if (!result.state.exists) throw notFound();
      return { state: result.state, revision: result.revision, position: result.position };
    } catch (error) {
      if (error instanceof CommandRejected && error.code === 'not-found') throw notFound();
      throw error;
    }
  }
}

const notFound = () => new CommandRejected('not_found', 'opportunity-not-found', 'no such opportunity');

const money = (field: string, amount: string, currency: string): Money => {
  const parsed = parseMoney(amount, currency);
  if (!parsed) throw new RequestValidationFailed([{ field, messages: [`${field} must be a non-negative decimal string with at most ${currency}'s decimal digits`] }]);
  return parsed;
};

const instant = (occurredAt: string | undefined, context: CommandContext): string => (occurredAt ? new Date(occurredAt).toISOString() : context.now);

import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ActivityDirection,
  ActivityLogged,
  ActivityType,
  AutomationRules,
  AutomationRulesDefined,
  EventData,
  formatMoney,
  EventEnvelope,
  RelatedRecord,
  TaskBecameOverdue,
  TaskPriority,
  TaskType,
  TeamMemberUpserted,
} from '@crm/contracts';
import { CommandContext, CommandRejected, createCommandHandler, derivedEventId, EventBus, metadataCausedBy, EventStore, SqlExecutor, Subscription } from '@crm/event-sourcing';
import { AccessScope, accessScope, EVENT_BUS, EVENT_STORE, inScope, PG_POOL, readDirectory, RequestActor } from '@crm/platform';
import {
  Activity,
  ActivityCommand,
  activityDecider,
  ActivityState,
  activityStreamId,
  AutomationRulesCommand,
  automationRulesDecider,
  AutomationRulesState,
  automationRulesStreamId,
  accountDealFigures,
  automationTriggerTypes,
  dealStanding,
  DealStanding,
  planAutomationTasks,
  Task,
  TaskChanges,
  TaskCommand,
  taskDecider,
  TaskState,
  TaskStreamEvent,
  taskStreamId,
  TeamMember,
  TeamMemberCommand,
  teamMemberDecider,
  TeamMemberState,
  teamMemberStreamId,
} from '@crm/tasks-domain';
import { Pool } from 'pg';
import { projectActivityEvents } from './activity-view.projection';
import { Assigner, Assignment } from './assigner';
import { CustomerQueries, projectCustomerEvents } from './customer-records';
import { OverdueScheduler } from './overdue-scheduler';
import { applyRelatedRecordEvent } from './related-records.projection';
import { RelatedRecords } from './related-records';
import { projectTaskEvents } from './task-view.projection';
import { TaskQueries } from './tasks.queries';
import { TASKS_OPTIONS, TasksOptions, tasksOptions } from './tasks.options';
import { migrateTasksSchema, quoteIdent } from './tasks.schema';
import { projectTeamEvents } from './team-directory.projection';
import { buildTimeline, TimelineEntry } from './timeline';
import { activityView, taskView } from './http/views';

type Handler<Command, Event extends EventData, State> = ReturnType<typeof createCommandHandler<Command, Event, State>>;

/** The read models a query can wait for. */
export type TasksView = 'tasks' | 'activities' | 'team' | 'related-records' | 'customers';

/** The categories whose events the customer read model (account timeline and summary) keeps. */
const customerCategories = ['lead', 'account', 'contact', 'opportunity'];
/** The categories whose events tell owners and assignment criteria of related records. */
const relatedRecordCategories = ['lead', 'opportunity', 'account', 'contact'];

/** The tasks context's bus consumers (TasksConsumers): names (checkpoints, Kafka consumer groups) and categories. */
export const tasksConsumers = { relatedRecords: 'tasks.related-records', customerRecords: 'tasks.customer-records' } as const;
export const tasksConsumerCategories = { relatedRecords: relatedRecordCategories, customerRecords: customerCategories };

export type Result<State> = { state: State; revision: number; position: number | null };
export type TaskResult = Result<Task>;

export type NewTask = {
  title: string;
  taskType: TaskType;
  assigneeId?: string;
  related: RelatedRecord;
  dueAt: string;
  priority: TaskPriority;
  notes?: string;
};

export type NewActivity = {
  activityType: ActivityType;
  related: RelatedRecord;
  summary: string;
  direction?: ActivityDirection;
  occurredAt: string;
  durationMinutes?: number;
};

const automationActor = { id: 'task-automation', role: 'system' as const };
const schedulerActor = { id: 'task-scheduler', role: 'system' as const };

/**
 * The tasks context: task, activity, team-member and automation-rule commands over the event
 * store; the read models; the policy that learns record owners and runs the automation rules; and
 * the overdue scheduler.
 */
@Injectable()
export class TasksService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TasksService');
  readonly options: TasksOptions;
  readonly related: RelatedRecords;
  readonly queries: TaskQueries;
  readonly customers: CustomerQueries;
  readonly scheduler: OverdueScheduler;
  private readonly assigner: Assigner;
  private readonly handleTask: Handler<TaskCommand, TaskStreamEvent, TaskState>;
  private readonly handleTeam: Handler<TeamMemberCommand, TeamMemberUpserted, TeamMemberState>;
  private readonly handleActivity: Handler<ActivityCommand, ActivityLogged, ActivityState>;
  private readonly handleRules: Handler<AutomationRulesCommand, AutomationRulesDefined, AutomationRulesState>;
  /** Plain queries outside a subscription's transaction. */
  private readonly executor: SqlExecutor;
  private subscriptions: Subscription[] = [];
  taskView?: Subscription;
  activityView?: Subscription;
  teamView?: Subscription;

  /** The bus consumers (@EventPattern handlers in TasksConsumers), once they run: what reads wait on. */
  get relatedRecordsPolicy(): Subscription | undefined {
    return this.bus.subscription(tasksConsumers.relatedRecords);
  }

  get customerRecords(): Subscription | undefined {
    return this.bus.subscription(tasksConsumers.customerRecords);
  }

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Optional() @Inject(TASKS_OPTIONS) options?: Partial<TasksOptions>,
  ) {
    this.options = tasksOptions(options);
    this.handleTask = createCommandHandler(store, taskDecider);
    this.handleTeam = createCommandHandler(store, teamMemberDecider);
    this.handleActivity = createCommandHandler(store, activityDecider);
    this.handleRules = createCommandHandler(store, automationRulesDecider);
    this.executor = {
      query: async <Row>(text: string, params?: unknown[]) => {
        const { rows, rowCount } = await pool.query(text, params);
        return { rows: rows as Row[], rowCount };
      },
    };
    this.related = new RelatedRecords(store, this.options.schema);
    this.assigner = new Assigner(this.options.schema);
    this.queries = new TaskQueries(pool, this.options.schema);
    this.customers = new CustomerQueries(pool, this.options.schema);
    this.scheduler = new OverdueScheduler({
      pool,
      schema: this.options.schema,
      clock: this.options.clock,
      intervalMs: this.options.overdueIntervalMs,
      markOverdue: (tenantId, taskId, asOf, tickId) => this.markOverdue(tenantId, taskId, asOf, tickId),
      onError: (taskId, error) => this.logger.error(`overdue check of task ${taskId} failed: ${(error as Error).message}`),
    });
  }

  async onModuleInit(): Promise<void> {
    await migrateTasksSchema(this.pool, this.options.schema);
    const schema = this.options.schema;
    const onError = (name: string) => (error: unknown, attempt: number) => this.logger.error(`${name} failed (attempt ${attempt}): ${(error as Error).message}`);
    const transactional = (name: string, categories: string[], apply: (events: EventEnvelope[], tx: SqlExecutor) => Promise<void>) =>
      this.store.subscribe({
        name,
        categories,
        handler: async (events, { tx }) => {
          if (!tx) throw new Error(`${name} needs a transactional subscription`);
          await apply(events, tx);
        },
        onError: onError(name),
      });
    this.taskView = await transactional('tasks.task-view', ['task'], (events, tx) => projectTaskEvents(events, tx, schema));
    this.activityView = await transactional('tasks.activity-view', ['activity'], (events, tx) => projectActivityEvents(events, tx, schema));
    this.teamView = await transactional('tasks.team-directory', ['team'], (events, tx) => projectTeamEvents(events, tx, schema));
    // Other contexts' events come over the bus to TasksConsumers (applyRelatedRecords, applyCustomerRecords).
    this.subscriptions = [this.taskView, this.activityView, this.teamView];
    this.scheduler.start();
  }

  /**
   * Other contexts' records (the bus consumer `tasks.related-records`). One consumer both learns
   * owners and runs the rules, in order: a stage change is assigned to the owner the events before
   * it named. Generated tasks have ids derived from the trigger, so a batch retried after a failure
   * creates nothing twice.
   */
  async applyRelatedRecords(events: EventEnvelope[], tx: SqlExecutor): Promise<void> {
    for (const event of events) {
      await applyRelatedRecordEvent(event, tx, this.options.schema);
      await this.runAutomation(event, tx);
    }
  }

  /**
   * Accounts' leads and deals (the bus consumer `tasks.customer-records`), a consumer of its own
   * read from the start of the log: a deployment that predates customers still learns every
   * earlier lead and deal of an account.
   */
  async applyCustomerRecords(events: EventEnvelope[], tx: SqlExecutor): Promise<void> {
    await projectCustomerEvents(events, tx, this.options.schema);
  }

  async onModuleDestroy(): Promise<void> {
    await this.scheduler.stop();
    await Promise.all(this.subscriptions.map((subscription) => subscription.stop()));
  }

  now(): Date {
    return this.options.clock();
  }

  /**
   * Read-your-writes: resolves once the named read models have taken in every event of theirs up
   * to `position`, whichever context's command returned it. A subscription's own position only
   * moves on its categories' events, so waiting for it to reach another category's position would
   * never end: what counts is whether any of its events up to `position` is still unhandled.
   */
  async caughtUp(position: number, views: readonly TasksView[] = ['tasks', 'activities', 'team', 'related-records', 'customers'], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const overdue = (what: string) => new ServiceUnavailableException(`the ${what} did not catch up with position ${position} in time; retry`);
    // Until `position` is readable, an older transaction is still in flight below it: an answer of
    // "nothing of ours up to there" would not be final yet.
    while ((await this.store.headPosition()) < position) {
      if (Date.now() >= deadline) throw overdue('event log');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(
      views.map(async (view) => {
        const { subscription, categories } = this.viewSubscription(view);
        if (!subscription) return;
        while (subscription.position < position) {
          const [next] = await this.store.readAll({ after: subscription.position, maxCount: 1, categories });
          if (!next || next.globalPosition > position) return;
          const remaining = deadline - Date.now();
          if (remaining <= 0) throw overdue(`${view} read model`);
          await subscription.waitFor(next.globalPosition, remaining).catch(() => undefined);
        }
      }),
    );
  }

  private viewSubscription(view: TasksView): { subscription?: Subscription; categories: string[] } {
    switch (view) {
      case 'tasks':
        return { subscription: this.taskView, categories: ['task'] };
      case 'activities':
        return { subscription: this.activityView, categories: ['activity'] };
      case 'team':
        return { subscription: this.teamView, categories: ['team'] };
      case 'related-records':
        return { subscription: this.relatedRecordsPolicy, categories: relatedRecordCategories };
      case 'customers':
        return { subscription: this.customerRecords, categories: customerCategories };
      default: {
        const unreachable: never = view;
        return unreachable;
      }
    }
  }

  // Record access (see the platform's record-access): a task belongs to its assignee, an activity
  // and a timeline to their related record's owner (an unassigned lead to its region).

  /** What the caller may see, from this context's team directory. */
  async scopeOf(actor: RequestActor): Promise<AccessScope> {
    return accessScope(actor, await readDirectory(this.pool, `${quoteIdent(this.options.schema)}.team_members`, actor.tenantId));
  }

  /** Whether the caller may see a lead, opportunity, account or contact, as far as this context knows its owner. */
  async mayAccessRelated(actor: RequestActor, related: RelatedRecord, scope?: AccessScope): Promise<boolean> {
    const resolved = scope ?? (await this.scopeOf(actor));
    if (resolved.tenantWide) return true;
    const { facts } = await this.related.resolve(this.executor, actor.tenantId, related);
    return inScope(resolved, { ownerId: facts.ownerId, unassignedRegion: related.type === 'lead' ? facts.region : undefined });
  }

  /** A related record the caller may not see answers as one that does not exist. */
  async requireRelatedAccess(actor: RequestActor, related: RelatedRecord, kind: 'invalid' | 'not_found' = 'invalid'): Promise<void> {
    if (!(await this.mayAccessRelated(actor, related))) throw relatedNotFound(related, kind);
  }

  /** The task, when the caller may see it: another assignee's task is a 404 like another tenant's. */
  async getTaskFor(taskId: string, actor: RequestActor): Promise<{ state: Task; revision: number; events: EventEnvelope[] }> {
    const found = await this.getTask(taskId, actor.tenantId);
    if (!inScope(await this.scopeOf(actor), { ownerId: found.state.assigneeId })) throw taskNotFound();
    return found;
  }

  /** The activity, when the caller may see its related record; else a 404 like another tenant's. */
  async getActivityFor(activityId: string, actor: RequestActor): Promise<{ state: Activity; revision: number }> {
    const found = await this.getActivity(activityId, actor.tenantId);
    if (!(await this.mayAccessRelated(actor, found.state.related))) throw new CommandRejected('not_found', 'activity-not-found', 'no such activity');
    return found;
  }

  // Tasks

  async createTask(input: NewTask, context: CommandContext): Promise<TaskResult & { taskId: string }> {
    const tenantId = context.metadata.tenantId;
    const record = await this.related.resolve(this.executor, tenantId, input.related);
    if (!record.exists) throw relatedNotFound(input.related);
    let assignment: Assignment;
    if (input.assigneeId !== undefined) {
      await this.requireActiveMember(tenantId, input.assigneeId);
      assignment = { assigneeId: input.assigneeId, assignedBy: 'explicit' };
    } else {
      const { state: rules } = await this.automationRules(tenantId);
      assignment = await this.assigner.assign(this.executor, tenantId, record.facts, rules.rules.assignment.valueBands);
    }
    const taskId = randomUUID();
    const result = await this.handleTask(taskStreamId(taskId), { type: 'CreateTask', taskId, ...input, ...assignment, createdAt: context.now }, { ...context, expectedRevision: undefined });
    return { taskId, ...asTask(result) };
  }

  async getTask(taskId: string, tenantId: string): Promise<{ state: Task; revision: number; events: EventEnvelope[] }> {
    const { events, revision } = await this.store.readStream(taskStreamId(taskId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw taskNotFound();
    const state = events.reduce<TaskState>((current, event) => taskDecider.evolve(current, event as never), taskDecider.initialState());
    if (!state.exists) throw taskNotFound();
    return { state, revision, events };
  }

  completeTask(taskId: string, outcome: string | undefined, context: CommandContext): Promise<TaskResult> {
    return this.runTask(taskId, context, { type: 'CompleteTask', outcome, completedAt: context.now });
  }

  async reassignTask(taskId: string, assigneeId: string, context: CommandContext): Promise<TaskResult> {
    await this.getTask(taskId, context.metadata.tenantId);
    await this.requireActiveMember(context.metadata.tenantId, assigneeId);
    return this.runTask(taskId, context, { type: 'ReassignTask', assigneeId });
  }

  cancelTask(taskId: string, reason: string, context: CommandContext): Promise<TaskResult> {
    return this.runTask(taskId, context, { type: 'CancelTask', reason, cancelledAt: context.now });
  }

  updateTask(taskId: string, changes: TaskChanges, context: CommandContext): Promise<TaskResult> {
    return this.runTask(taskId, context, { type: 'UpdateTask', changes });
  }

  /** The scheduler's request; the event id derives from task and due date, as the decider reports once per due date. */
  async markOverdue(tenantId: string, taskId: string, asOf: string, tickId: string): Promise<boolean> {
    const result = await this.handleTask(
      taskStreamId(taskId),
      { type: 'MarkTaskOverdue', asOf },
      {
        metadata: { tenantId, actor: schedulerActor, correlationId: tickId, causationId: tickId },
        now: asOf,
        eventId: (_index, event) => derivedEventId(taskId, `overdue:${(event as TaskBecameOverdue).data.dueAt}`),
      },
    );
    return result.events.length > 0;
  }

  private async runTask(taskId: string, context: CommandContext, command: TaskCommand): Promise<TaskResult> {
    try {
      return asTask(await this.handleTask(taskStreamId(taskId), command, context));
    } catch (error) {
      if (error instanceof CommandRejected && error.code === 'not-found') throw taskNotFound();
      throw error;
    }
  }

  // Team directory

  async upsertMember(member: TeamMember, context: CommandContext): Promise<Result<Extract<TeamMemberState, { exists: true }>> & { created: boolean }> {
    const result = await this.handleTeam(teamMemberStreamId(context.metadata.tenantId, member.memberId), { type: 'UpsertTeamMember', member, at: context.now }, context);
    if (!result.state.exists) throw memberNotFound();
    // The assignment rules read the directory's read model. Left to its subscription alone, it lags
    // behind the answer to this command (further still while other transactions hold the log's
    // readable head back), and a task created meanwhile is assigned without this member: the
    // product-line rule then falls back to generalists without product lines and picks one of them.
    // So the directory takes the change in before the answer; the subscription applies it again,
    // which changes nothing (the projection keeps the highest revision).
    if (result.events.length > 0) await projectTeamEvents(result.events, this.executor, this.options.schema);
    return { state: result.state, revision: result.revision, position: result.position, created: result.events.length > 0 && result.events[0].revision === 0 };
  }

  async getMember(memberId: string, tenantId: string): Promise<{ state: Extract<TeamMemberState, { exists: true }>; revision: number }> {
    const { events, revision } = await this.store.readStream(teamMemberStreamId(tenantId, memberId));
    const state = events
      .filter((event) => event.metadata.tenantId === tenantId)
      .reduce<TeamMemberState>((current, event) => teamMemberDecider.evolve(current, event as never), teamMemberDecider.initialState());
    if (!state.exists) throw memberNotFound();
    return { state, revision };
  }

  /** Named assignees must be in the directory and active; read from their stream, which never lags. */
  private async requireActiveMember(tenantId: string, memberId: string): Promise<void> {
    let member: TeamMemberState;
    try {
      member = (await this.getMember(memberId, tenantId)).state;
    } catch (error) {
      if (error instanceof CommandRejected && error.kind === 'not_found') {
        throw new CommandRejected('invalid', 'assignee-not-found', `no team member ${memberId}`, { assigneeId: memberId });
      }
      throw error;
    }
    if (!member.active) throw new CommandRejected('invalid', 'assignee-inactive', `team member ${memberId} is inactive`, { assigneeId: memberId });
  }

  // Activities

  async logActivity(input: NewActivity, context: CommandContext): Promise<Result<Activity> & { activityId: string }> {
    const record = await this.related.resolve(this.executor, context.metadata.tenantId, input.related);
    if (!record.exists) throw relatedNotFound(input.related);
    const activityId = randomUUID();
    const result = await this.handleActivity(activityStreamId(activityId), { type: 'LogActivity', activityId, ...input }, { ...context, expectedRevision: undefined });
    if (!result.state.exists) throw new CommandRejected('not_found', 'activity-not-found', 'no such activity');
    return { activityId, state: result.state, revision: result.revision, position: result.position };
  }

  async getActivity(activityId: string, tenantId: string): Promise<{ state: Activity; revision: number }> {
    const { events, revision } = await this.store.readStream(activityStreamId(activityId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw new CommandRejected('not_found', 'activity-not-found', 'no such activity');
    const state = activityDecider.evolve(activityDecider.initialState(), events[0] as never);
    if (!state.exists) throw new CommandRejected('not_found', 'activity-not-found', 'no such activity');
    return { state, revision };
  }

  // Timeline

  /** Activities, tasks and the record's own events, newest first; 404 when the tenant knows nothing of the record. */
  async timeline(tenantId: string, related: RelatedRecord): Promise<TimelineEntry[]> {
    const [record, activities, tasks] = await Promise.all([
      this.related.resolve(this.executor, tenantId, related),
      this.queries.activitiesOf(tenantId, related),
      this.queries.tasksOf(tenantId, related),
    ]);
    if (!record.exists && activities.length === 0 && tasks.length === 0) throw relatedNotFound(related, 'not_found');
    return buildTimeline({ recordEvents: record.events, activities, tasks, now: this.now().toISOString() });
  }

  // Customers (the account's own records live in the leads context; this is what the tasks context learned of them)

  /**
   * Every event of the account, of the accounts merged into it and of their leads, contacts and
   * opportunities, with the activities and task milestones on any of them, newest first; 404 when
   * the tenant knows no such account.
   */
  async accountTimeline(tenantId: string, accountId: string): Promise<TimelineEntry[]> {
    const { records, own } = await this.accountRecords(tenantId, accountId);
    const [events, activities, tasks] = await Promise.all([this.customers.eventsOf(tenantId, records), this.customers.activitiesOf(tenantId, records), this.customers.tasksOf(tenantId, records)]);
    // The account's own stream, where the store has it (embedded), covers what the read model has not taken in yet.
    const seen = new Set(events.map((event) => event.id));
    return buildTimeline({ recordEvents: [...events, ...own.filter((event) => !seen.has(event.id))], activities, tasks, now: this.now().toISOString() });
  }

  /** Open pipeline, won revenue, win rate, last activity, next open task and owner of an account, as of now. */
  async accountSummary(tenantId: string, accountId: string) {
    const { records, own } = await this.accountRecords(tenantId, accountId);
    const opportunities = records.filter((record) => record.type === 'opportunity');
    const [streams, [lastActivity], nextTask] = await Promise.all([
      this.customers.streamsOf(tenantId, opportunities),
      this.customers.activitiesOf(tenantId, records, 1),
      this.customers.nextOpenTask(tenantId, records),
    ]);
    const deals = [...streams.values()].map((events) => dealStanding(events)).filter((deal): deal is DealStanding => deal !== undefined);
    const now = this.now().toISOString();
    const figures = accountDealFigures(deals, now);
    const account = accountProfile(own);
    return {
      accountId,
      name: account.name ?? null,
      ownerId: account.ownerId ?? null,
      mergedInto: account.mergedInto ?? null,
      openPipeline: figures.openPipeline.map((sum) => ({ ...formatMoney(sum.amount), weightedAmount: formatMoney(sum.weighted).amount, deals: sum.deals })),
      wonRevenue: { lifetime: figures.wonRevenue.lifetime.map(formatMoney), last12Months: figures.wonRevenue.last12Months.map(formatMoney) },
      deals: { open: figures.open, won: figures.won, lost: figures.lost },
      winRate: figures.winRate,
      lastActivity: lastActivity ? activityView(lastActivity) : null,
      nextOpenTask: nextTask ? taskView(nextTask.state, nextTask.revision, now) : null,
      asOf: now,
    };
  }

  /**
   * The account's related records, and its own events: from the store where it holds them
   * (embedded), else as the customer read model took them in (distributed).
   */
  private async accountRecords(tenantId: string, accountId: string): Promise<{ records: RelatedRecord[]; own: EventEnvelope[] }> {
    const account: RelatedRecord = { type: 'account', id: accountId };
    const [resolved, records] = await Promise.all([this.related.resolve(this.executor, tenantId, account), this.customers.recordsOf(tenantId, accountId)]);
    const own = resolved.events.length > 0 ? resolved.events : ((await this.customers.streamsOf(tenantId, [account])).get(accountId) ?? []);
    if (!resolved.exists && own.length === 0) throw new CommandRejected('not_found', 'account-not-found', 'no such account');
    return { records, own };
  }

  // Automation

  async automationRules(tenantId: string): Promise<{ state: AutomationRulesState; revision: number }> {
    const { events, revision } = await this.store.readStream(automationRulesStreamId(tenantId));
    const state = events
      .filter((event) => event.metadata.tenantId === tenantId)
      .reduce<AutomationRulesState>((current, event) => automationRulesDecider.evolve(current, event as never), automationRulesDecider.initialState());
    return { state, revision };
  }

  async defineAutomationRules(rules: AutomationRules, context: CommandContext): Promise<Result<AutomationRulesState>> {
    const result = await this.handleRules(automationRulesStreamId(context.metadata.tenantId), { type: 'DefineAutomationRules', rules }, context);
    return { state: result.state, revision: result.revision, position: result.position };
  }

  /**
   * Creates the tasks the tenant's rules ask for on one event. Task and event ids derive from the
   * trigger's id: delivered again, the event finds its tasks existing and creates nothing. The
   * tasks of one trigger without a named owner all go to the same assignee. Resolves the ids of the
   * tasks this delivery appended; deliveries racing each other may each report them, as the store
   * answers a repeated append of the same event ids with the first one's result and stores it once.
   */
  async runAutomation(trigger: EventEnvelope, executor: SqlExecutor): Promise<string[]> {
    if (!(automationTriggerTypes as readonly string[]).includes(trigger.type)) return [];
    const tenantId = trigger.metadata.tenantId;
    const { state: config } = await this.automationRules(tenantId);
    const planned = planAutomationTasks(trigger, config.rules);
    const now = this.now().toISOString();
    const created: string[] = [];
    let shared: Assignment | undefined;
    for (const task of planned) {
      let assignment: Assignment;
      if (task.assigneeId !== undefined) assignment = { assigneeId: task.assigneeId, assignedBy: 'record-owner' };
      else {
        const known = await this.related.known(executor, tenantId, task.related);
        shared ??= await this.assigner.assign(executor, tenantId, known?.facts ?? {}, config.rules.assignment.valueBands);
        assignment = shared;
      }
      try {
        await this.handleTask(
          taskStreamId(task.taskId),
          {
            type: 'CreateTask',
            taskId: task.taskId,
            title: task.title,
            taskType: task.taskType,
            related: task.related,
            dueAt: task.dueAt,
            priority: task.priority,
            notes: task.notes,
            triggeredBy: task.triggeredBy,
            automationRule: task.rule,
            ...assignment,
            createdAt: now,
          },
          {
            metadata: metadataCausedBy(trigger, automationActor, `task-${task.taskId}`),
            now,
            eventId: () => derivedEventId(task.taskId, 'created'),
          },
        );
        created.push(task.taskId);
      } catch (error) {
        if (!(error instanceof CommandRejected && error.code === 'task-exists')) throw error;
      }
    }
    return created;
  }
}

const asTask = (result: { state: TaskState; revision: number; position: number | null }): TaskResult => {
  if (!result.state.exists) throw taskNotFound();
  return { state: result.state, revision: result.revision, position: result.position };
};

/** The account's name, owner and survivor, folded from its own events. */
const accountProfile = (events: readonly EventEnvelope[]): { name?: string; ownerId?: string; mergedInto?: string } =>
  events.reduce<{ name?: string; ownerId?: string; mergedInto?: string }>((account, event) => {
    const data = event.data as { name?: string; ownerId?: string; survivorId?: string; changes?: { name?: string; ownerId?: string } };
    switch (event.type) {
      case 'AccountCreated':
        return { name: data.name, ownerId: data.ownerId };
      case 'AccountUpdated':
        return { ...account, ...(data.changes?.name !== undefined ? { name: data.changes.name } : {}), ...(data.changes?.ownerId !== undefined ? { ownerId: data.changes.ownerId } : {}) };
      case 'AccountMergedInto':
        return { ...account, mergedInto: data.survivorId };
      default:
        return account;
    }
  }, {});

const taskNotFound = () => new CommandRejected('not_found', 'task-not-found', 'no such task');
const memberNotFound = () => new CommandRejected('not_found', 'team-member-not-found', 'no such team member');
const relatedNotFound = (related: RelatedRecord, kind: 'invalid' | 'not_found' = 'invalid') =>
  new CommandRejected(kind, 'related-record-not-found', `no ${related.type} ${related.id}`, { related });

import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventMetadata, NewEvent, streamId, TaskCreated } from '@crm/contracts';
import { CommandContext, SqlExecutor, storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { automationTaskId } from '@crm/tasks-domain';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { committedHead, createTestSchema, describeWithInfra } from '@crm/testing';
import { Pool } from 'pg';
import { TasksConsumers } from './tasks.consumers';
import { TasksService } from './tasks.service';

const tenantId = 'tenant-automation';
const metadata: EventMetadata = { tenantId, actor: { id: 'someone', role: 'admin' }, correlationId: 'corr-1', causationId: 'corr-1' };
const context = (now = new Date().toISOString()): CommandContext => ({ metadata, now });
const event = (type: string, data: Record<string, unknown>, occurredAt = '2026-04-01T09:00:00.000Z'): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, occurredAt, metadata, data });
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describeWithInfra(['postgres'], 'tasks service over PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: TasksService;
  let executor: SqlExecutor;
  let consumers: RunningConsumers | undefined;

  const start = async () => {
    const bus = storeEventBus(store);
    service = new TasksService(store, pool, bus, { schema, overdueIntervalMs: 0 });
    await service.onModuleInit();
    consumers = await startEventConsumers(bus, [TasksConsumers], [{ provide: TasksService, useValue: service }]);
  };
  const stop = async () => {
    await consumers?.close();
    await service.onModuleDestroy();
  };
  /** Waits until every read model and the policy have handled the whole log, including the tasks the policy created. */
  const settle = async () => {
    await service.caughtUp(await committedHead(pool, schema), undefined, 30_000);
    await service.caughtUp(await committedHead(pool, schema), undefined, 30_000);
  };
  /** The newest committed position, visible or not yet (the store's head counts only visible ones). */
  const createdTasks = async (): Promise<Array<EventEnvelope & { data: TaskCreated['data'] }>> =>
    (await store.readAll({ after: 0, maxCount: 100_000, categories: ['task'] })).filter((e) => e.type === 'TaskCreated') as Array<EventEnvelope & { data: TaskCreated['data'] }>;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ({ pool, schema, drop } = await createTestSchema('tasks'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    executor = {
      query: async <Row>(text: string, params?: unknown[]) => {
        const result = await pool.query(text, params);
        return { rows: result.rows as Row[], rowCount: result.rowCount };
      },
    };
    await start();
  });
  afterAll(async () => {
    await stop();
    await store.close();
    await drop();
  });

  describe('automation: each generated task exists once per triggering event, however often it is delivered', () => {
    type Scenario = { before: (ids: { lead: string; opportunity: string }) => Array<[string, NewEvent]>; trigger: (ids: { lead: string; opportunity: string }) => [string, NewEvent]; tasks: number; assigneeId: string; rule: string };
    const leadStream = (id: string) => streamId('lead', id);
    const opportunityStream = (id: string) => streamId('opportunity', id);
    const opened = (opportunity: string) => event('OpportunityOpened', { opportunityId: opportunity, name: 'Deal', accountName: 'Acme', amount: eur(5_000_000), productType: 'platform', ownerId: 'rep-owner', stage: 'Prospecting', expectedCloseDate: '2026-09-30' });
    const scenarios: Record<string, Scenario> = {
      'LeadAssigned → First contact': {
        before: ({ lead }) => [[leadStream(lead), event('LeadCaptured', { leadId: lead, name: 'Ada', email: 'ada@example.com', source: 'web' })]],
        trigger: ({ lead }) => [leadStream(lead), event('LeadAssigned', { leadId: lead, ownerId: 'rep-new-owner', routedBy: 'rules' })],
        tasks: 1,
        assigneeId: 'rep-new-owner',
        rule: 'lead-assigned',
      },
      'LeadCaptured with an owner → First contact': {
        before: () => [],
        trigger: ({ lead }) => [leadStream(lead), event('LeadCaptured', { leadId: lead, name: 'Grace', email: 'grace@example.com', source: 'event', ownerId: 'rep-captor' })],
        tasks: 1,
        assigneeId: 'rep-captor',
        rule: 'lead-assigned',
      },
      'OpportunityStageChanged → the stage’s playbook': {
        before: ({ opportunity }) => [[opportunityStream(opportunity), opened(opportunity)]],
        trigger: ({ opportunity }) => [opportunityStream(opportunity), event('OpportunityStageChanged', { opportunityId: opportunity, from: 'Prospecting', to: 'Negotiation' })],
        tasks: 2,
        assigneeId: 'rep-owner',
        rule: 'stage-playbook',
      },
      'DealWentStale → follow-up for the owner': {
        before: ({ opportunity }) => [
          [opportunityStream(opportunity), opened(opportunity)],
          [opportunityStream(opportunity), event('OpportunityUpdated', { opportunityId: opportunity, changes: { ownerId: 'rep-successor' } })],
        ],
        trigger: ({ opportunity }) => [opportunityStream(opportunity), event('DealWentStale', { opportunityId: opportunity, stage: 'Prospecting', idleSince: '2026-03-01T00:00:00.000Z' })],
        tasks: 1,
        assigneeId: 'rep-successor',
        rule: 'deal-went-stale',
      },
    };

    it.each(Object.keys(scenarios))('%s', async (name) => {
      const scenario = scenarios[name];
      const ids = { lead: randomUUID(), opportunity: randomUUID() };
      for (const [stream, setup] of scenario.before(ids)) await store.appendToStream(stream, [setup]);
      const [stream, trigger] = scenario.trigger(ids);
      const before = await committedHead(pool, schema);
      await store.appendToStream(stream, [trigger]);
      await settle();
      const ofTrigger = async () => (await createdTasks()).filter((created) => created.data.triggeredBy === trigger.id);

      // First delivery, by the subscription.
      const first = await ofTrigger();
      expect(first).toHaveLength(scenario.tasks);
      expect(first.map((created) => created.data.taskId).sort()).toEqual(Array.from({ length: scenario.tasks }, (_, slot) => automationTaskId(trigger.id, scenario.rule as never, slot)).sort());
      expect(first.every((created) => created.data.assigneeId === scenario.assigneeId && created.data.assignedBy === 'record-owner' && created.data.automationRule === scenario.rule)).toBe(true);
      expect(first.every((created) => created.metadata.causationId === trigger.id && created.metadata.actor.id === 'task-automation')).toBe(true);

      // Delivered again, twice at once, as a redelivering broker would.
      const stored = (await store.readStream(stream)).events.find((candidate) => candidate.id === trigger.id) as EventEnvelope;
      const again = await Promise.all([service.runAutomation(stored, executor), service.runAutomation(stored, executor)]);
      expect(again.flat()).toEqual([]);

      // Delivered again after a restart that lost the checkpoint: the whole log from before the trigger.
      await stop();
      try {
        await pool.query(`UPDATE "${schema}".subscription_checkpoints SET position = $1 WHERE name = 'tasks.related-records'`, [before]);
      } finally {
        await start();
      }
      await settle();
      expect((await ofTrigger()).map((created) => created.id).sort()).toEqual(first.map((created) => created.id).sort());
      const generated = await service.queries.tasks(tenantId, { related: { type: stream.startsWith('lead') ? 'lead' : 'opportunity', id: stream.slice(stream.indexOf('-') + 1) } }, new Date().toISOString());
      expect(generated.items).toHaveLength(scenario.tasks);
    });

    it('creates nothing twice when the first two deliveries race', async () => {
      const lead = randomUUID();
      await store.appendToStream(streamId('lead', lead), [event('LeadCaptured', { leadId: lead, name: 'Race', email: 'race@example.com', source: 'web' })]);
      await settle();
      await stop();
      const assigned = event('LeadAssigned', { leadId: lead, ownerId: 'rep-racer', routedBy: 'manual' });
      const { events } = await store.appendToStream(streamId('lead', lead), [assigned]);
      try {
        // Each racer may see its append answered as the idempotent repeat of another's: same id, same stream.
        const results = await Promise.all(Array.from({ length: 5 }, () => service.runAutomation(events[0], executor)));
        expect([...new Set(results.flat())]).toEqual([automationTaskId(assigned.id, 'lead-assigned', 0)]);
      } finally {
        await start();
      }
      await settle();
      expect((await createdTasks()).filter((created) => created.data.triggeredBy === assigned.id)).toHaveLength(1);
    });

    it('follows the rules in force: a longer SLA, a stage playbook of the tenant’s own, a rule turned off', async () => {
      const { state } = await service.automationRules(tenantId);
      await service.defineAutomationRules(
        {
          ...state.rules,
          leadAssigned: { ...state.rules.leadAssigned, slaHours: 48 },
          stagePlaybooks: { 'Legal review': [{ title: 'Send the DPA', taskType: 'email', priority: 'high', dueInHours: 2 }] },
          dealWentStale: { ...state.rules.dealWentStale, enabled: false },
        },
        context(),
      );
      const lead = randomUUID();
      const opportunity = randomUUID();
      const assigned = event('LeadAssigned', { leadId: lead, ownerId: 'rep-1', routedBy: 'manual' }, '2026-05-01T10:00:00.000Z');
      await store.appendToStream(streamId('lead', lead), [event('LeadCaptured', { leadId: lead, name: 'X', email: 'x@example.com', source: 'web' }), assigned]);
      const staged = event('OpportunityStageChanged', { opportunityId: opportunity, from: 'Proposal', to: 'legal review' }, '2026-05-01T10:00:00.000Z');
      const stale = event('DealWentStale', { opportunityId: opportunity, stage: 'Legal review', idleSince: '2026-04-01T00:00:00.000Z' });
      await store.appendToStream(streamId('opportunity', opportunity), [opened(opportunity), staged, stale]);
      await settle();
      const created = await createdTasks();
      expect(created.find((task) => task.data.triggeredBy === assigned.id)?.data.dueAt).toBe('2026-05-03T10:00:00.000Z');
      expect(created.filter((task) => task.data.triggeredBy === staged.id).map((task) => [task.data.title, task.data.dueAt])).toEqual([['Send the DPA', '2026-05-01T12:00:00.000Z']]);
      expect(created.filter((task) => task.data.triggeredBy === stale.id)).toEqual([]);
      await service.defineAutomationRules(state.rules, context());
    });
  });

  describe('assignment of a task created without an assignee', () => {
    const member = (memberId: string, fields: Record<string, unknown> = {}) =>
      service.upsertMember({ memberId, name: memberId, email: `${memberId}@example.com`, role: 'rep', productLines: [], active: true, ...fields }, context());
    const task = (related: { type: 'lead' | 'opportunity'; id: string }, assigneeId?: string) =>
      service.createTask({ title: 'Follow up', taskType: 'call', related, dueAt: '2026-05-01T09:00:00.000Z', priority: 'normal', assigneeId }, context());

    it('goes to the related record’s owner as its events tell, even before the consumer has caught up', async () => {
      const opportunity = randomUUID();
      await store.appendToStream(streamId('opportunity', opportunity), [
        event('OpportunityOpened', { opportunityId: opportunity, name: 'D', accountName: 'A', amount: eur(100), productType: 'p', ownerId: 'rep-a', stage: 'Prospecting', expectedCloseDate: '2026-09-30' }),
      ]);
      await settle();
      await store.appendToStream(streamId('opportunity', opportunity), [event('OpportunityUpdated', { opportunityId: opportunity, changes: { ownerId: 'rep-b' } })]);
      // No settle: the owners table still says rep-a; the record's own stream says rep-b.
      expect((await task({ type: 'opportunity', id: opportunity })).state).toMatchObject({ assigneeId: 'rep-b', assignedBy: 'record-owner' });
      await settle();
      const { rows } = await pool.query(`SELECT owner_id FROM "${schema}".related_records WHERE record_id = $1`, [opportunity]);
      expect(rows).toEqual([{ owner_id: 'rep-b' }]);
    });

    it('goes by the assignment rules when the record has no owner, or an inactive one: region, product line, value band, load', async () => {
      await member('emea-platform', { region: 'EMEA', productLines: ['platform'] });
      await member('emea-analytics', { region: 'EMEA', productLines: ['analytics'] });
      await member('emea-analytics-2', { region: 'EMEA', productLines: ['analytics'] });
      await member('apac', { region: 'APAC' });
      await member('big-deals', { region: 'EMEA' });
      await member('gone', { active: false });
      const { state } = await service.automationRules(tenantId);
      await service.defineAutomationRules({ ...state.rules, assignment: { valueBands: [{ name: 'enterprise', minAmount: eur(10_000_000), memberIds: ['big-deals'] }] } }, context());
      await settle();

      const lead = async (fields: Record<string, unknown>) => {
        const id = randomUUID();
        await store.appendToStream(streamId('lead', id), [event('LeadCaptured', { leadId: id, name: 'L', email: `${id}@example.com`, source: 'web', ...fields })]);
        return { type: 'lead' as const, id };
      };
      const analyticsLead = await lead({ region: 'emea', productInterest: 'Analytics', estimatedValue: eur(100_000) });
      const first = await task(analyticsLead);
      expect(first.state).toMatchObject({ assigneeId: 'emea-analytics', assignedBy: 'rules' });
      await settle();
      // Load: the other analytics rep has fewer open tasks now.
      expect((await task(analyticsLead)).state.assigneeId).toBe('emea-analytics-2');
      expect((await task(await lead({ region: 'EMEA', productInterest: 'analytics', estimatedValue: eur(50_000_000) }))).state.assigneeId).toBe('big-deals');
      expect((await task(await lead({ region: 'APAC' }))).state.assigneeId).toBe('apac');
      expect((await task(await lead({ region: 'EMEA', ownerId: 'gone', productInterest: 'platform' }))).state).toMatchObject({ assigneeId: 'emea-platform', assignedBy: 'rules' });
      await service.defineAutomationRules(state.rules, context());
    });

    it('refuses an unknown record, another tenant’s record, and an unknown or inactive assignee', async () => {
      const rejected = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
      expect(await rejected(task({ type: 'lead', id: randomUUID() }))).toMatchObject({ kind: 'invalid', code: 'related-record-not-found' });
      const foreign = randomUUID();
      await store.appendToStream(streamId('lead', foreign), [{ ...event('LeadCaptured', { leadId: foreign, name: 'F', source: 'web' }), metadata: { ...metadata, tenantId: 'someone-else' } }]);
      expect(await rejected(task({ type: 'lead', id: foreign }))).toMatchObject({ code: 'related-record-not-found' });
      const mine = randomUUID();
      await store.appendToStream(streamId('lead', mine), [event('LeadCaptured', { leadId: mine, name: 'M', source: 'web' })]);
      expect(await rejected(task({ type: 'lead', id: mine }, 'nobody'))).toMatchObject({ kind: 'invalid', code: 'assignee-not-found' });
      expect(await rejected(task({ type: 'lead', id: mine }, 'gone'))).toMatchObject({ kind: 'invalid', code: 'assignee-inactive' });
      expect((await task({ type: 'lead', id: mine }, 'apac')).state).toMatchObject({ assigneeId: 'apac', assignedBy: 'explicit' });
    });
  });
});

import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventMetadata, streamId, TaskBecameOverdue } from '@crm/contracts';
import { CommandContext, derivedEventId, EventStore, storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { committedHead, createTestSchema, describeWithInfra } from '@crm/testing';
import { Pool } from 'pg';
import { TasksService } from './tasks.service';

const tenantId = 'tenant-overdue';
const metadata: EventMetadata = { tenantId, actor: { id: 'planner', role: 'manager' }, correlationId: 'c', causationId: 'c' };
const t0 = Date.parse('2026-06-01T00:00:00.000Z');
const minutes = (n: number) => new Date(t0 + n * 60_000).toISOString();
const hours = 3_600_000;

/**
 * A store that crashes at its `limit`-th TaskBecameOverdue append: that append (and any running
 * alongside it) commits, but its caller gets an error instead of the answer; every call after that
 * fails. `committed` counts the reports that reached the store.
 */
const crashingAt = (inner: EventStore, limit: number): EventStore & { crashed: () => boolean; committed: () => number } => {
  let committed = 0;
  let crashed = false;
  return {
    ...inner,
    appendToStream: async (stream, events, options) => {
      if (crashed) throw new Error('process crashed');
      const result = await inner.appendToStream(stream, events, options);
      if (events.some((event) => event.type === 'TaskBecameOverdue') && ++committed >= limit) {
        crashed = true;
        throw new Error('process crashed after its append committed');
      }
      return result;
    },
    crashed: () => crashed,
    committed: () => committed,
  };
};

describeWithInfra(['postgres'], 'overdue scheduler over PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let now = t0;
  const clock = () => new Date(now);
  const running: TasksService[] = [];

  const start = async (over: EventStore = store) => {
    const service = new TasksService(over, pool, storeEventBus(over), { schema, clock, overdueIntervalMs: 0 });
    await service.onModuleInit();
    running.push(service);
    return service;
  };
  const stop = async (service: TasksService) => {
    await service.onModuleDestroy();
    running.splice(running.indexOf(service), 1);
  };
  let ids: string[] = [];
  /** The newest committed position, visible or not yet (the store's head counts only visible ones). */
  /** Read stream by stream: the global log hides events above the oldest transaction still in flight, streams do not. */
  const overdueEvents = async () =>
    (await Promise.all(ids.map((id) => store.readStream(streamId('task', id))))).flatMap(({ events }) => events.filter((event) => event.type === 'TaskBecameOverdue')) as Array<
      EventEnvelope & { data: TaskBecameOverdue['data'] }
    >;

  beforeAll(async () => {
    // The crashes below are logged by the scheduler as errors by design.
    // The crashes below are logged by the scheduler as errors, by design.
    Logger.overrideLogger(false);
    ({ pool, schema, drop } = await createTestSchema('overdue'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
  });
  afterAll(async () => {
    for (const service of [...running]) await stop(service);
    await store.close();
    await drop();
    Logger.overrideLogger(['error', 'warn', 'log']);
  });

  it('emits exactly one TaskBecameOverdue per overdue task over 1,000 tasks, restarted twice midway, with two instances at the end', async () => {
    const lead = randomUUID();
    await store.appendToStream(streamId('lead', lead), [
      { id: randomUUID(), type: 'LeadCaptured', schemaVersion: 1, occurredAt: minutes(-10_000), metadata, data: { leadId: lead, name: 'Ada', source: 'web' } },
    ]);
    let service = await start();
    const context = (): CommandContext => ({ metadata, now: clock().toISOString() });

    // 1,000 tasks due between 2 h before t0 and 50 h after, created in scrambled due order.
    const total = 1000;
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const plans = Array.from({ length: total }, (_, index) => ({ index, dueMinute: Math.floor(random() * 3120) - 120 }));
    ids = new Array(total);
    const queue = [...plans];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let plan = queue.shift(); plan; plan = queue.shift()) {
          const created = await service.createTask({ title: `Task ${plan.index}`, taskType: 'todo', related: { type: 'lead', id: lead }, dueAt: minutes(plan.dueMinute), priority: 'normal' }, context());
          ids[plan.index] = created.taskId;
        }
      }),
    );
    // Before any pass, some tasks are closed (never overdue) and some rescheduled (overdue for the new date only).
    const closed = new Set<string>();
    const dueAt = new Map(plans.map((plan) => [ids[plan.index], minutes(plan.dueMinute)]));
    for (const plan of plans) {
      const id = ids[plan.index];
      if (plan.index % 7 === 0) {
        await service.completeTask(id, 'done early', context());
        closed.add(id);
      } else if (plan.index % 11 === 0) {
        await service.cancelTask(id, 'not needed', context());
        closed.add(id);
      } else if (plan.index % 13 === 0) {
        const later = minutes(plan.dueMinute + 600);
        await service.updateTask(id, { dueAt: later }, context());
        dueAt.set(id, later);
      }
    }
    await service.caughtUp(await committedHead(pool, schema), ['tasks'], 60_000);
    await stop(service);
    const open = [...dueAt.keys()].filter((id) => !closed.has(id));
    const dueBy = (at: number) => open.filter((id) => Date.parse(dueAt.get(id) as string) < at).length;

    // Pass 1 at t0 + 20 h crashes at its 100th report, committed but unanswered.
    now = t0 + 20 * hours;
    expect(dueBy(now)).toBeGreaterThan(300);
    const firstCrash = crashingAt(store, 100);
    service = await start(firstCrash);
    await service.scheduler.tick();
    expect(firstCrash.crashed()).toBe(true);
    await stop(service);
    expect(await overdueEvents()).toHaveLength(firstCrash.committed());

    // Restarted, pass 2 half an hour later crashes again at its 150th report.
    now += hours / 2;
    const secondCrash = crashingAt(store, 150);
    service = await start(secondCrash);
    await service.scheduler.tick();
    expect(secondCrash.crashed()).toBe(true);
    await stop(service);
    const beforeSecondRestart = firstCrash.committed() + secondCrash.committed();
    expect(await overdueEvents()).toHaveLength(beforeSecondRestart);
    expect(beforeSecondRestart).toBeLessThan(dueBy(now));

    // Restarted again: it finishes what is due by now, then, with every task past due, races a second instance.
    service = await start();
    await service.scheduler.tick();
    expect(await overdueEvents()).toHaveLength(dueBy(now));
    now = t0 + 70 * hours;
    // A second scheduler replica with its own command handler: it shares only the database. (It
    // runs no subscriptions: two instances of one subscription are the event store's concern.)
    const other = new TasksService(store, pool, storeEventBus(store), { schema, clock, overdueIntervalMs: 0 });
    // The second call on one instance joins its pass in progress; the other replica races it.
    await Promise.all([service.scheduler.tick(), other.scheduler.tick(), service.scheduler.tick()]);
    await service.caughtUp(await committedHead(pool, schema), ['tasks'], 60_000);
    expect(await other.scheduler.tick()).toBe(0);

    const events = await overdueEvents();
    const byTask = new Map(events.map((event) => [event.data.taskId, event]));
    expect(events).toHaveLength(open.length);
    expect(byTask.size).toBe(open.length);
    for (const id of open) {
      const event = byTask.get(id) as EventEnvelope & { data: TaskBecameOverdue['data'] };
      expect(event.data.dueAt).toBe(dueAt.get(id));
      expect(event.id).toBe(derivedEventId(id, `overdue:${event.data.dueAt}`));
      expect(event.metadata.actor).toEqual({ id: 'task-scheduler', role: 'system' });
      // Reported as of a pass's clock: after the due date, never before.
      expect(Date.parse(event.occurredAt)).toBeGreaterThan(Date.parse(event.data.dueAt));
    }
    for (const id of closed) expect(byTask.has(id)).toBe(false);
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".task_view WHERE status = 'open' AND NOT overdue_flagged`);
    expect(rows[0].n).toBe(0);
  }, 240_000);
});

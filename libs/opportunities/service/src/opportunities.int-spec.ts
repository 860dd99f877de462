import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventMetadata, LeadConverted, NewEvent, streamId } from '@crm/contracts';
import { CommandContext, storeEventBus } from '@crm/event-sourcing';
import { opportunityStreamId } from '@crm/opportunities-domain';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { RunningConsumers, startEventConsumers } from '@crm/platform';
import { createTestSchema, describeWithInfra } from '@crm/testing';
import { Pool } from 'pg';
import { OpportunitiesConsumers } from './opportunities.consumers';
import { OpportunitiesService } from './opportunities.service';
import { stageDefaultsOnly } from './settings';

const dayMs = 86_400_000;

describeWithInfra(['postgres'], 'opportunities service against PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: OpportunitiesService;
  // Each started service's bus consumers (the @EventPattern handlers), stopped with it.
  const consumers = new Map<OpportunitiesService, RunningConsumers>();
  let now: Date;
  const tenantId = `tenant-${randomUUID()}`;
  const metadata: EventMetadata = { tenantId, actor: { id: 'rep-1', role: 'rep' }, correlationId: 'corr-1', causationId: 'corr-1' };
  const context = (at: Date, expectedRevision?: number): CommandContext => ({ metadata, now: at.toISOString(), expectedRevision });

  const startService = async () => {
    const bus = storeEventBus(store);
    const started = new OpportunitiesService(store, pool, { schema, clock: () => now, staleCheckEveryMs: 0 }, stageDefaultsOnly, bus);
    await started.onModuleInit();
    consumers.set(started, await startEventConsumers(bus, [OpportunitiesConsumers], [{ provide: OpportunitiesService, useValue: started }]));
    return started;
  };
  const stopService = async (stopped = service) => {
    await consumers.get(stopped)?.close();
    consumers.delete(stopped);
    await stopped.onModuleDestroy();
  };

  const restart = async () => {
    await stopService();
    service = await startService();
  };

  beforeEach(async () => {
    ({ pool, schema, drop } = await createTestSchema('opp'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    now = new Date('2026-03-01T09:00:00.000Z');
    service = await startService();
  });
  afterEach(async () => {
    await stopService();
    await store.close();
    await drop();
  });

  const convertedLead = (opportunityId: string): NewEvent => {
    const data: LeadConverted['data'] = {
      leadId: randomUUID(),
      opportunityId,
      opportunityName: 'Analytical Engines - platform',
      accountName: 'Analytical Engines',
      amount: { amountMinor: 4_800_000, currency: 'EUR' },
      productType: 'platform',
      expectedCloseDate: '2026-12-31',
      ownerId: 'rep-7',
      source: 'web',
    };
    return { id: randomUUID(), type: 'LeadConverted', schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', metadata, data };
  };

  const viewRows = async () =>
    (await pool.query(`SELECT opportunity_id, status, stage, amount::text, last_activity_at, idle_since, stale_idle_since, revision, state FROM "${schema}".opportunity_view ORDER BY opportunity_id`)).rows;

  it('opens one opportunity for a LeadConverted delivered three times, under the id the leads service chose', async () => {
    const opportunityId = randomUUID();
    const appended = await store.appendToStream(streamId('lead', randomUUID()), [convertedLead(opportunityId)]);
    await service.conversionSubscription?.waitFor(appended.position, 10_000);

    // Two redeliveries, as after crashes between the effect and the checkpoint: rewind and restart.
    for (let delivery = 2; delivery <= 3; delivery++) {
      await pool.query(`UPDATE "${schema}".subscription_checkpoints SET position = 0 WHERE name = 'opportunities.lead-conversions'`);
      await restart();
      await service.conversionSubscription?.waitFor(appended.position, 10_000);
    }

    const { events } = await store.readStream(opportunityStreamId(opportunityId));
    expect(events.map((event) => event.type)).toEqual(['OpportunityOpened']);
    expect(events[0]).toMatchObject({
      occurredAt: '2026-03-01T10:00:00.000Z',
      metadata: { tenantId, actor: { id: 'lead-conversion', role: 'system' }, causationId: appended.events[0].id },
      data: { opportunityId, name: 'Analytical Engines - platform', amount: { amountMinor: 4_800_000, currency: 'EUR' }, ownerId: 'rep-7', stage: 'Prospecting', probability: 10 },
    });
    await service.viewSubscription?.waitFor(events[0].globalPosition, 10_000);
    expect((await viewRows()).map((row) => row.opportunity_id)).toEqual([opportunityId]);
  });

  it('opens one opportunity when the same delivery races itself', async () => {
    const opportunityId = randomUUID();
    // Not appended: the subscription never sees it, only the three concurrent deliveries below.
    const event = convertedLead(opportunityId);
    const envelope: EventEnvelope = { ...event, streamId: streamId('lead', randomUUID()), revision: 0, globalPosition: 1, recordedAt: event.occurredAt };
    const outcomes = await Promise.all([1, 2, 3].map(() => service.openFromLeadConversion(envelope)));
    expect(outcomes).toContain('opened');
    expect(outcomes.every((outcome) => outcome === 'opened' || outcome === 'already-open')).toBe(true);
    expect((await store.readStream(opportunityStreamId(opportunityId))).events).toHaveLength(1);
  });

  it('flags a deal stale once per idle period, by a controllable clock, across a restart', async () => {
    const opened = await service.open(
      { name: 'Deal', accountName: 'Acme', amount: '1000.00', productType: 'platform', ownerId: 'rep-1', expectedCloseDate: '2026-06-30' },
      context(now),
    );
    const id = opened.opportunityId;
    const t0 = now.getTime();
    // Read-your-writes by position: the scheduler works from the read model.
    await service.viewSubscription?.waitFor(opened.position ?? 0, 10_000);
    const view = async () => (await service.present(tenantId, [await service.get(id, tenantId)]))[0];

    // Prospecting allows 14 idle days.
    now = new Date(t0 + 14 * dayMs);
    expect(await service.checkStaleDeals()).toBe(0);
    now = new Date(t0 + 14 * dayMs + 1);
    expect(await service.checkStaleDeals()).toBe(1);
    expect(await service.checkStaleDeals()).toBe(0);
    const flagged = await service.get(id, tenantId);
    await service.viewSubscription?.waitFor(flagged.events[flagged.events.length - 1].globalPosition, 10_000);
    await restart();
    now = new Date(t0 + 20 * dayMs);
    expect(await service.checkStaleDeals()).toBe(0);
    expect(await view()).toMatchObject({ stale: true, idleSince: '2026-03-01T09:00:00.000Z', lastActivityAt: null, ageDays: 20, daysInStage: 20 });
    const listed = await service.queries.list(tenantId, { stale: true });
    expect(listed.items.map((item) => item.state.opportunityId)).toEqual([id]);

    // A call logged through the tasks service starts a new idle period.
    const activityAt = new Date(t0 + 21 * dayMs).toISOString();
    const logged = await store.appendToStream(streamId('activity', randomUUID()), [
      { id: randomUUID(), type: 'ActivityLogged', schemaVersion: 1, occurredAt: activityAt, metadata, data: { activityId: randomUUID(), activityType: 'call', related: { type: 'opportunity', id }, summary: 'follow-up' } },
    ]);
    await service.activitySubscription?.waitFor(logged.position, 10_000);
    now = new Date(t0 + 22 * dayMs);
    expect(await view()).toMatchObject({ stale: false, lastActivityAt: activityAt, idleSince: activityAt });
    expect((await service.queries.list(tenantId, { stale: true })).items).toEqual([]);
    now = new Date(t0 + 35 * dayMs);
    expect(await service.checkStaleDeals()).toBe(0);
    // Two schedulers (replicas) notice the same idle period at once: it is flagged once.
    now = new Date(t0 + 36 * dayMs);
    const replica = await startService();
    const [mine, theirs] = await Promise.all([service.checkStaleDeals(), replica.checkStaleDeals()]);
    await stopService(replica);
    expect(mine + theirs).toBeGreaterThanOrEqual(1);
    const second = await service.get(id, tenantId);
    await service.viewSubscription?.waitFor(second.events[second.events.length - 1].globalPosition, 10_000);
    // After a restart, with a read model that has not seen the flag yet, the stream still says no.
    await restart();
    await pool.query(`UPDATE "${schema}".opportunity_view SET stale_idle_since = NULL WHERE opportunity_id = $1`, [id]);
    expect(await service.checkStaleDeals()).toBe(0);

    const { events } = await service.get(id, tenantId);
    const flags = events.filter((event) => event.type === 'DealWentStale');
    expect(flags.map((event) => [event.data, event.occurredAt])).toEqual([
      [{ opportunityId: id, stage: 'Prospecting', idleSince: '2026-03-01T09:00:00.000Z', idleDays: 14 }, '2026-03-15T09:00:00.000Z'],
      [{ opportunityId: id, stage: 'Prospecting', idleSince: activityAt, idleDays: 14 }, '2026-04-05T09:00:00.000Z'],
    ]);

    // A stage change starts a new period too.
    await service.changeStage(id, 'Qualification', undefined, context(now));
    expect(await view()).toMatchObject({ stale: false, daysInStage: 0, stage: 'Qualification' });
  });

  it('filters and pages the read model, and rebuilds it from zero to exactly the same rows', async () => {
    // A minute apart, so that the createdAt order is defined.
    const open = (name: string, amount: string, expectedCloseDate: string, currency = 'EUR') => {
      now = new Date(now.getTime() + 60_000);
      return service.open({ name, accountName: 'Acme', amount, currency, productType: 'platform', ownerId: 'rep-1', expectedCloseDate }, context(now));
    };
    const a = await open('A', '500.00', '2026-04-30');
    const b = await open('B', '1500.00', '2026-05-31');
    const c = await open('C', '250000', '2026-06-30', 'JPY');
    const won = await service.win(b.opportunityId, {}, context(now));
    await service.viewSubscription?.waitFor(won.position ?? 0, 10_000);
    const names = async (options: Parameters<typeof service.queries.list>[1]) => (await service.queries.list(tenantId, options)).items.map((item) => item.state.name);
    expect(await names({ sort: 'expectedCloseDate' })).toEqual(['A', 'B', 'C']);
    expect(await names({ status: 'open', sort: 'expectedCloseDate' })).toEqual(['A', 'C']);
    expect(await names({ closingFrom: '2026-05-01', closingTo: '2026-06-30', sort: 'expectedCloseDate' })).toEqual(['B', 'C']);
    expect(await names({ minAmount: '1000', sort: '-amount' })).toEqual(['C', 'B']);
    expect(await names({ minAmount: '1000', currency: 'EUR' })).toEqual(['B']);
    expect(await names({ stage: 'prospecting', status: 'open', sort: 'createdAt' })).toEqual(['A', 'C']);
    const first = await service.queries.list(tenantId, { sort: 'expectedCloseDate', limit: 2 });
    const second = await service.queries.list(tenantId, { sort: 'expectedCloseDate', limit: 2, cursor: first.next });
    expect([...first.items, ...second.items].map((item) => item.state.name)).toEqual(['A', 'B', 'C']);
    expect(second.next).toBeUndefined();
    expect(a.opportunityId && c.opportunityId).toBeTruthy();

    const incremental = await viewRows();
    await stopService();
    await pool.query(`TRUNCATE "${schema}".opportunity_view, "${schema}".opportunity_activity`);
    await pool.query(`DELETE FROM "${schema}".subscription_checkpoints WHERE name = 'opportunities.opportunity-view'`);
    service = await startService();
    await service.viewSubscription?.waitFor(won.position ?? 0, 10_000);
    expect(await viewRows()).toEqual(incremental);
  });
});

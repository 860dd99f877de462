import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventMetadata, streamId } from '@crm/contracts';
import { CommandContext, storeEventBus } from '@crm/event-sourcing';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { createTestSchema, describeWithInfra } from '@crm/testing';
import { teamMemberStreamId } from '@crm/tasks-domain';
import { Pool } from 'pg';
import { projectTeamEvents } from './team-directory.projection';
import { TasksService } from './tasks.service';

const tenantId = 'tenant-assignment';
const metadata: EventMetadata = { tenantId, actor: { id: 'manager-1', role: 'manager' }, correlationId: 'corr-a', causationId: 'corr-a' };
const context = (): CommandContext => ({ metadata, now: new Date().toISOString() });
const teamStreamOf = (memberId: string) => teamMemberStreamId(tenantId, memberId);

describeWithInfra(['postgres'], 'task assignment over PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: TasksService;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    ({ pool, schema, drop } = await createTestSchema('tasks_assignment'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    service = new TasksService(store, pool, storeEventBus(store), { schema, overdueIntervalMs: 0 });
    await service.onModuleInit();
  });
  afterAll(async () => {
    await service.onModuleDestroy();
    await store.close();
    await drop();
  });

  const member = (memberId: string, fields: { region: string; productLines: string[] }) =>
    service.upsertMember({ memberId, name: memberId, email: `${memberId}@example.com`, role: 'rep', active: true, ...fields }, context());

  // The flake of "assigns by the rules" (tasks e2e): the rules ran over a directory read model that
  // had not yet taken in the member upserted just before, so the product-line rule fell back to
  // generalists without product lines and picked one of them.
  it('assigns over the directory as the upsert commands left it, however far its subscription lags', async () => {
    const leadId = randomUUID();
    await store.appendToStream(streamId('lead', leadId), [
      { id: randomUUID(), type: 'LeadCaptured', schemaVersion: 1, occurredAt: new Date().toISOString(), metadata, data: { leadId, name: 'sealed', email: 'sealed', source: 'web', region: 'LATAM', productInterest: 'Forecasting' } },
    ]);
    // The directory's subscription is stopped: only the commands themselves keep the directory.
    await service.teamView?.stop();
    await member('generalist', { region: 'NA', productLines: [] });
    await member('specialist', { region: 'APAC', productLines: ['analytics', 'forecasting'] });
    const task = await service.createTask({ title: 'Follow up', taskType: 'call', related: { type: 'lead', id: leadId }, dueAt: '2030-01-01T09:00:00.000Z', priority: 'normal' }, context());
    expect(task.state).toMatchObject({ assigneeId: 'specialist', assignedBy: 'rules' });

    // A deactivation is seen at once too, and an older revision applied late (the subscription's
    // redelivery) does not bring the member back.
    const upserted = await service.upsertMember({ memberId: 'specialist', name: 'specialist', email: 'specialist@example.com', role: 'rep', active: false, region: 'APAC', productLines: ['forecasting'] }, context());
    expect(upserted.revision).toBe(1);
    const again = await service.createTask({ title: 'Again', taskType: 'call', related: { type: 'lead', id: leadId }, dueAt: '2030-01-01T09:00:00.000Z', priority: 'normal' }, context());
    expect(again.state).toMatchObject({ assigneeId: 'generalist', assignedBy: 'rules' });
    const stale = (await store.readStream(teamStreamOf('specialist'))).events.filter((event) => event.revision === 0);
    const executor = {
      query: async <Row>(text: string, params?: unknown[]) => {
        const result = await pool.query(text, params);
        return { rows: result.rows as Row[], rowCount: result.rowCount };
      },
    };
    await projectTeamEvents(stale, executor, schema);
    const { rows } = await pool.query<{ active: boolean; revision: string }>(`SELECT active, revision FROM "${schema}".team_members WHERE tenant_id = $1 AND member_id = 'specialist'`, [tenantId]);
    expect(rows[0]).toEqual({ active: false, revision: '1' });
  });
});

import { randomUUID } from 'node:crypto';
import { EventMetadata } from '@crm/contracts';
import { CommandContext, storeEventBus } from '@crm/event-sourcing';
import { leadStreamId } from '@crm/leads-domain';
import { createPostgresEventStore, PostgresEventStore } from '@crm/postgres-event-store';
import { committedHead, createTestSchema, describeWithInfra } from '@crm/testing';
import { Pool } from 'pg';
import { CaptureLeadDto } from './http/lead.dto';
import { LeadQueries } from './lead.queries';
import { LeadsService } from './leads.service';

// The leads tables live in the fixed schema `leads` (shared with other runs on the database), the
// event store in a throw-away schema; a fresh tenant keeps this test's rows apart.
describeWithInfra(['postgres'], 'GDPR erasure by crypto-shredding, against PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;
  let service: LeadsService;
  const tenantId = `tenant-${randomUUID()}`;
  const metadata: EventMetadata = { tenantId, actor: { id: 'admin-1', role: 'admin' }, correlationId: 'corr-1', causationId: 'corr-1' };
  const context = (expectedRevision?: number): CommandContext => ({ metadata, now: new Date().toISOString(), expectedRevision });

  const startService = async () => {
    const started = new LeadsService(store, pool, storeEventBus(store));
    await started.onModuleInit();
    return started;
  };
  const capture = (dto: Partial<CaptureLeadDto>) => service.capture({ source: 'web', ...dto } as CaptureLeadDto, context(), false);
  const settled = async () => service.viewSubscription?.waitFor(await committedHead(pool, schema), 10_000);
  const viewRow = async (leadId: string) =>
    (await pool.query('SELECT name, email, phone, company, status, score, owner_id, erased, state FROM leads.lead_view WHERE lead_id = $1', [leadId])).rows[0];

  beforeAll(async () => {
    ({ pool, schema, drop } = await createTestSchema('gdpr'));
    store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
    await store.migrate();
    service = await startService();
  });
  afterAll(async () => {
    await service.onModuleDestroy();
    await store.close();
    await pool.query('DELETE FROM leads.lead_view WHERE tenant_id = $1', [tenantId]);
    await pool.query('DELETE FROM leads.person_keys WHERE tenant_id = $1', [tenantId]);
    await pool.query('DELETE FROM leads.contact_keys WHERE tenant_id = $1', [tenantId]);
    await pool.query('DELETE FROM leads.tenant_secrets WHERE tenant_id = $1', [tenantId]);
    await drop();
  });

  it('keeps no plaintext anywhere once erased; the view, the history and a rebuilt view show the lead as erased', async () => {
    const ada = await capture({ name: 'Ada Lovelace', email: 'ada@analytical.example', phone: '+44 20 7946 0958', company: 'Analytical Engines', title: 'CTO', companySize: 300, ownerId: 'rep-7' });
    const grace = await capture({ name: 'Grace Hopper', email: 'grace@navy.example', company: 'US Navy' });
    await service.update(ada.leadId, { name: 'Ada King' }, context());
    await service.transition(ada.leadId, context(), { type: 'DisqualifyLead', reason: 'Ada King asked us to call back next year' });
    await settled();

    // Sealed in the log from the start; in the clear only where the service keeps it for search.
    const rawBefore = (await pool.query(`SELECT data::text AS data FROM "${schema}".events WHERE stream_id = $1`, [leadStreamId(ada.leadId)])).rows.map((row) => row.data as string);
    expect(rawBefore.join('\n')).not.toMatch(/ada@|Ada|Lovelace|7946/);
    expect(rawBefore[0]).toContain('enc:v1:');
    expect(rawBefore[0]).toContain('Analytical Engines');
    const contactKeys = (await pool.query('SELECT value FROM leads.contact_keys WHERE tenant_id = $1', [tenantId])).rows.map((row) => row.value as string);
    expect(contactKeys).toHaveLength(3);
    expect(contactKeys.every((value) => value.startsWith('h1:') && !value.includes('@'))).toBe(true);
    expect(await viewRow(ada.leadId)).toMatchObject({ name: 'Ada King', email: 'ada@analytical.example', phone: '+442079460958', erased: false });
    const queries = new LeadQueries(pool);
    expect((await queries.list(tenantId, { q: 'king' })).items.map((item) => item.id)).toEqual([ada.leadId]);
    const { state: before } = await service.get(ada.leadId, tenantId);
    expect(before.disqualificationReason).toBe('Ada King asked us to call back next year');

    const erased = await service.erase(ada.leadId, context());
    expect(erased.erasedLeadIds).toEqual([ada.leadId]);
    expect(erased.position).not.toBeNull();
    expect(erased.state).toMatchObject({ erased: true, status: 'disqualified', ownerId: 'rep-7', score: before.score });
    expect((await service.erase(ada.leadId, context())).position).toBeNull();
    await settled();

    // Nothing readable is left: the key is a tombstone, the dedupe keys are gone, the log holds only ciphertext.
    const keyRow = (await pool.query('SELECT key, erased_at FROM leads.person_keys WHERE tenant_id = $1 AND subject_id = $2', [tenantId, ada.leadId])).rows[0];
    expect(keyRow).toMatchObject({ key: null, erased_at: expect.any(Date) });
    expect((await pool.query('SELECT count(*)::int AS n FROM leads.contact_keys WHERE tenant_id = $1 AND lead_id = $2', [tenantId, ada.leadId])).rows[0].n).toBe(0);
    const leaks = await pool.query(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE tenant_id = $1 AND (data::text LIKE '%ada@%' OR data::text LIKE '%Lovelace%' OR data::text LIKE '%Ada%' OR data::text LIKE '%7946%')`,
      [tenantId],
    );
    expect(leaks.rows[0].n).toBe(0);

    const expectErased = async () => {
      const row = await viewRow(ada.leadId);
      expect(row).toMatchObject({ name: null, email: null, phone: null, company: 'Analytical Engines', status: 'disqualified', owner_id: 'rep-7', erased: true });
      expect(JSON.stringify(row.state)).not.toMatch(/Ada|ada@|7946|call back/);
      expect(row.state).toMatchObject({ erased: true, score: before.score, profile: { company: 'Analytical Engines', title: 'CTO', companySize: 300 } });
      expect(await viewRow(grace.leadId)).toMatchObject({ name: 'Grace Hopper', email: 'grace@navy.example', erased: false });
      expect((await queries.list(tenantId, { q: 'ada' })).items).toEqual([]);
    };
    await expectErased();

    const { state, events } = await service.get(ada.leadId, tenantId);
    expect(state).toMatchObject({ erased: true, status: 'disqualified', profile: { company: 'Analytical Engines' } });
    expect(state.profile.name).toBeUndefined();
    expect(state.disqualificationReason).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['LeadCaptured', 'LeadScored', 'LeadUpdated', 'LeadDisqualified', 'LeadErased']);
    expect(events[0].data).toMatchObject({ name: null, email: null, phone: null, company: 'Analytical Engines', ownerId: 'rep-7' });
    expect(events[2].data).toEqual({ leadId: ada.leadId, changes: { name: null } });
    expect(events[3].data).toEqual({ leadId: ada.leadId, reason: null });

    // Rebuild the view from the log: rewind its checkpoint, drop its rows, restart. The key is gone, so it stays erased.
    await service.onModuleDestroy();
    await pool.query(`UPDATE "${schema}".subscription_checkpoints SET position = 0 WHERE name = 'leads.lead-view'`);
    await pool.query('DELETE FROM leads.lead_view WHERE tenant_id = $1', [tenantId]);
    service = await startService();
    await settled();
    await expectErased();
  });

  it('frees the erased person’s e-mail for a new capture, refuses to set personal fields again, and erases the whole merge group', async () => {
    const first = await capture({ name: 'Mary Somerville', email: 'mary@example.com' });
    const duplicate = await service.capture({ source: 'event', name: 'M. Somerville', email: 'mary@example.com', phone: '+44 131 496 0000' } as CaptureLeadDto, context(), true);
    await settled();
    await service.merge(first.leadId, duplicate.leadId, context());
    await settled();

    const erased = await service.erase(duplicate.leadId, context());
    expect([...erased.erasedLeadIds].sort()).toEqual([first.leadId, duplicate.leadId].sort());
    await settled();
    for (const leadId of [first.leadId, duplicate.leadId]) expect(await viewRow(leadId)).toMatchObject({ name: null, email: null, phone: null, erased: true });
    const raw = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".events WHERE tenant_id = $1 AND (data::text LIKE '%mary@%' OR data::text LIKE '%Somerville%' OR data::text LIKE '%4960000%')`, [tenantId]);
    expect(raw.rows[0].n).toBe(0);

    await expect(service.update(first.leadId, { email: 'mary@example.com' }, context())).rejects.toMatchObject({ code: 'lead-erased' });
    const again = await capture({ name: 'Mary Somerville', email: 'mary@example.com' });
    expect(again.state.possibleDuplicateOf).toBeUndefined();
    expect((await service.get(again.leadId, tenantId)).state.profile).toMatchObject({ name: 'Mary Somerville', email: 'mary@example.com' });
  });

  it('reads events stored in the clear before sealing existed, and erases them from every answer', async () => {
    const leadId = randomUUID();
    await store.appendToStream(leadStreamId(leadId), [
      { id: randomUUID(), type: 'LeadCaptured', schemaVersion: 1, occurredAt: '2025-06-01T10:00:00.000Z', metadata, data: { leadId, name: 'Old Import', email: 'old@example.com', source: 'partner' } },
    ]);
    await settled();
    expect(await viewRow(leadId)).toMatchObject({ name: 'Old Import', email: 'old@example.com', erased: false });
    await service.erase(leadId, context());
    await settled();
    expect(await viewRow(leadId)).toMatchObject({ name: null, email: null, erased: true });
    expect((await service.get(leadId, tenantId)).state).toMatchObject({ erased: true, profile: {} });
  });
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';
import { Pool } from 'pg';

type Lead = { id: string; name: string | null; email: string | null; phone: string | null; status: string; score: number; ownerId: string | null; erased: boolean; position: number | null };
type History = { events: Array<{ type: string; data: Record<string, unknown> }> };

const today = () => new Date().toISOString().slice(0, 10);

// Distinctive enough to search the whole database for.
const person = { name: 'Ada Gdprtest', email: 'ada.gdprtest@analytical.example', phone: '+44 20 7946 0123' };
const traces = ['gdprtest', '79460123'];

describe('GDPR erasure over HTTP (embedded app)', () => {
  let app: RunningApp;
  let pool: Pool;
  const tenant = `gdpr-${randomUUID().slice(0, 8)}`;
  const as = (roles: string[], sub: string, tenantId = tenant) => {
    const authorization = `Bearer ${tokenFor(app, { sub, tenant: tenantId, roles })}`;
    return (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => app.request(method, path, body, { authorization, ...headers });
  };
  let admin: ReturnType<typeof as>;

  /** Every table of the app's database (event store, read models of all four services, platform) holding a trace of the person. */
  const tablesWithTraces = async (): Promise<string[]> => {
    const { rows: tables } = await pool.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const found: string[] = [];
    for (const { name } of tables) {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} t WHERE ${traces.map((_, i) => `t::text ILIKE $${i + 1}`).join(' OR ')}`, traces.map((trace) => `%${trace}%`));
      if (rows[0].n > 0) found.push(name);
    }
    return found.sort();
  };

  beforeAll(async () => {
    app = await startEmbeddedApp();
    admin = as(['admin'], 'admin-1');
    const credentials = JSON.parse(readFileSync(join(app.dataDir, 'postgres', 'postgres-credentials.json'), 'utf8')) as { user: string; password: string; database: string };
    const port = /embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/.exec(app.output())?.[1];
    pool = new Pool({ connectionString: `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${credentials.database}`, max: 4 });
  }, 90_000);
  afterAll(async () => {
    await pool.end();
    expect(await app.stop()).toBe(0);
  });

  it('erases a converted lead’s personal fields from every answer and copy, for admins only, leaving the facts and the reports as they were', async () => {
    const captured = await admin('POST', '/leads', { ...person, source: 'web', title: 'CTO', companySize: 300, estimatedValue: { amount: '25000.00', currency: 'EUR' } }, { 'idempotency-key': 'gdpr-capture-1' });
    expect(captured.status).toBe(201);
    const lead = captured.body as Lead;
    expect(lead).toMatchObject({ name: person.name, email: person.email, phone: '+442079460123', erased: false });
    expect((await admin('POST', `/leads/${lead.id}/engagements`, { type: 'form_submit' })).status).toBe(200);
    expect((await admin('POST', `/leads/${lead.id}/assign`, { ownerId: 'rep-7' })).status).toBe(200);
    expect((await admin('POST', `/leads/${lead.id}/qualify`)).status).toBe(200);
    const converted = await admin('POST', `/leads/${lead.id}/convert`, { amount: '48000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2030-12-31' });
    expect(converted.status).toBe(201);
    const { opportunityId, position: convertedAt } = converted.body as { opportunityId: string; position: number };

    // The opportunity is named after the (missing) company, never after the person.
    const deadline = Date.now() + 5_000;
    let deal = await admin('GET', `/opportunities/${opportunityId}`);
    while (deal.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      deal = await admin('GET', `/opportunities/${opportunityId}`);
    }
    expect(deal.body).toMatchObject({ name: `Lead ${lead.id.slice(0, 8)} - platform`, accountName: `Lead ${lead.id.slice(0, 8)}`, amount: '48000.00' });

    const before = await admin('GET', `/leads/${lead.id}`);
    const kpis = `/analytics/kpis?from=${today()}&to=${today()}&groupBy=source&minPosition=${convertedAt}`;
    const funnel = `/analytics/funnel?from=${today()}&to=${today()}&minPosition=${convertedAt}`;
    const kpisBefore = await admin('GET', kpis);
    const funnelBefore = await admin('GET', funnel);
    expect(kpisBefore.status).toBe(200);
    expect(JSON.stringify(kpisBefore.body)).toContain('"leads":1');

    // Only the leads service's own read model (for search) and the idempotent-replay cache hold the
    // plaintext; the log, analytics' copy of it and the other services see ciphertext or nothing.
    await admin('GET', `/audit?stream=lead-${lead.id}&minPosition=${convertedAt}`);
    // The conversion made a contact of the person: its view holds the plaintext too, until erasure.
    expect(await tablesWithTraces()).toEqual(['leads.contact_view', 'leads.lead_view', 'platform.idempotency_keys']);
    const audit = await admin('GET', `/audit?stream=lead-${lead.id}`);
    expect(JSON.stringify(audit.body)).toContain('enc:v1:');

    // Admins only; another tenant's or an unknown lead is not found.
    const rep = as(['rep'], 'rep-7');
    const refused = await rep('POST', `/leads/${lead.id}/erase`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await as(['admin'], 'admin-2', 'other-tenant')('POST', `/leads/${lead.id}/erase`)).status).toBe(404);
    expect((await admin('POST', `/leads/${randomUUID()}/erase`)).status).toBe(404);
    expect((await admin('GET', `/leads/${lead.id}`)).body).toMatchObject({ name: person.name, erased: false });

    const erased = await admin('POST', `/leads/${lead.id}/erase`);
    expect(erased.status).toBe(200);
    const body = erased.body as Lead & { erasedLeadIds: string[] };
    expect(body).toMatchObject({ id: lead.id, name: null, email: null, phone: null, erased: true, status: 'converted', ownerId: 'rep-7', erasedLeadIds: [lead.id] });
    expect(body.position).toEqual(expect.any(Number));
    const again = await admin('POST', `/leads/${lead.id}/erase`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: true, position: null });

    const { revision: _before, position: _p, ...facts } = before.body as Lead & { revision: number };
    const after = await admin('GET', `/leads/${lead.id}`);
    expect(after.body).toEqual({ ...facts, name: null, email: null, phone: null, erased: true, revision: (before.body as { revision: number }).revision + 1 });
    expect((after.body as Lead).score).toBe((before.body as Lead).score);

    const history = (await admin('GET', `/leads/${lead.id}/history`)).body as History;
    expect(history.events.map((event) => event.type).slice(-2)).toEqual(['LeadConverted', 'LeadErased']);
    expect(history.events[0].data).toMatchObject({ name: null, email: null, phone: null, title: 'CTO', source: 'web' });
    expect(JSON.stringify(history)).not.toMatch(/gdprtest|79460123/i);

    const listed = (await admin('GET', `/leads?minPosition=${body.position}`)).body as { items: Lead[] };
    expect(listed.items.find((item) => item.id === lead.id)).toMatchObject({ name: null, email: null, erased: true });
    expect(((await admin('GET', '/leads?q=gdprtest')).body as { items: Lead[] }).items).toEqual([]);
    expect(((await admin('GET', '/leads?sort=name')).body as { items: Lead[] }).items.map((item) => item.id)).toContain(lead.id);

    // Reports do not change; nothing anywhere in the database still reads as the person.
    const last = body.position as number;
    expect((await admin('GET', kpis.replace(`minPosition=${convertedAt}`, `minPosition=${last}`))).body).toEqual(kpisBefore.body);
    expect((await admin('GET', funnel.replace(`minPosition=${convertedAt}`, `minPosition=${last}`))).body).toEqual(funnelBefore.body);
    expect(await tablesWithTraces()).toEqual([]);

    // The address is free again: capturing it now is a new lead, not a duplicate; the replay cache ran the capture afresh.
    const recaptured = await admin('POST', '/leads', { ...person, source: 'web' });
    expect(recaptured.status).toBe(201);
    expect(recaptured.body).toMatchObject({ name: person.name, possibleDuplicateOf: null });
    const replayed = await admin('POST', '/leads', { ...person, source: 'web', title: 'CTO', companySize: 300, estimatedValue: { amount: '25000.00', currency: 'EUR' } }, { 'idempotency-key': 'gdpr-capture-1' });
    expect(replayed.headers.get('idempotent-replayed')).toBeNull();
    expect(replayed.status).toBe(409);
  }, 60_000);
});

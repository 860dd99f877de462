import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Lead = { id: string; status: string; score: number; ownerId: string | null; revision: number; possibleDuplicateOf: string | null; position: number };
type Problem = { status: number; errors?: Array<{ field: string; messages: string[] }>; [key: string]: unknown };

describe('leads over HTTP (embedded app)', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('captures, refuses a duplicate, scores engagements, assigns, qualifies, converts, and keeps the history', async () => {
    const captured = await app.request('POST', '/leads', {
      name: 'Ada Lovelace',
      email: 'Ada@Analytical.example',
      phone: '+44 20 7946 0958',
      company: 'Analytical Engines',
      title: 'CTO',
      companySize: 300,
      region: 'EMEA',
      source: 'web',
      estimatedValue: { amount: '25000.00', currency: 'EUR' },
      attributes: { plan: 'enterprise', seats: 40, trial: true },
    });
    expect(captured.status).toBe(201);
    const lead = captured.body as Lead;
    expect(captured.headers.get('location')).toBe(`/leads/${lead.id}`);
    expect(captured.headers.get('etag')).toBe('"1"');
    expect(lead).toMatchObject({ status: 'new', ownerId: null, estimatedValue: { amount: '25000.00', currency: 'EUR' }, phone: '+442079460958' });

    const duplicate = await app.request('POST', '/leads', { name: 'A. Lovelace', email: 'ada@ANALYTICAL.example', source: 'event' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect(duplicate.body).toMatchObject({ existingLeadId: lead.id, field: 'email' });
    const byPhone = await app.request('POST', '/leads', { name: 'A. Lovelace', phone: '0044 20 7946-0958', source: 'event' });
    expect(byPhone.body).toMatchObject({ status: 409, existingLeadId: lead.id, field: 'phone' });
    const flagged = await app.request('POST', '/leads?allowDuplicate=true', { name: 'A. Lovelace', email: 'ada@analytical.example', source: 'event' });
    expect(flagged.status).toBe(201);
    expect((flagged.body as Lead).possibleDuplicateOf).toBe(lead.id);

    let score = lead.score;
    for (const type of ['email_click', 'form_submit', 'event_attended']) {
      const engaged = await app.request('POST', `/leads/${lead.id}/engagements`, { type, count: 1 });
      expect(engaged.status).toBe(200);
      expect((engaged.body as Lead).score).toBeGreaterThan(score);
      score = (engaged.body as Lead).score;
    }

    const assigned = await app.request('POST', `/leads/${lead.id}/assign`, { ownerId: 'rep-7' });
    expect(assigned.body).toMatchObject({ status: 'working', ownerId: 'rep-7' });
    const stale = await app.request('POST', `/leads/${lead.id}/qualify`, undefined, { 'if-match': '"2"' });
    expect(stale.status).toBe(412);
    const current = await app.request('GET', `/leads/${lead.id}`);
    const qualified = await app.request('POST', `/leads/${lead.id}/qualify`, undefined, { 'if-match': current.headers.get('etag') ?? '' });
    expect(qualified.body).toMatchObject({ status: 'qualified' });
    const again = await app.request('POST', `/leads/${lead.id}/qualify`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'illegal-transition', currentStatus: 'qualified' });

    const converted = await app.request('POST', `/leads/${lead.id}/convert`, { amount: '48000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2026-12-31' });
    expect(converted.status).toBe(201);
    const { opportunityId } = converted.body as { opportunityId: string };
    expect(opportunityId).toMatch(/^[0-9a-f-]{36}$/);
    // The opportunities service opens the deal from LeadConverted within 5 s.
    const deadline = Date.now() + 5_000;
    let deal = await app.request('GET', `/opportunities/${opportunityId}`);
    while (deal.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      deal = await app.request('GET', `/opportunities/${opportunityId}`);
    }
    expect(deal.status).toBe(200);
    expect(deal.body).toMatchObject({ id: opportunityId, accountName: 'Analytical Engines', ownerId: 'rep-7', amount: '48000.00', currency: 'EUR' });

    const history = await app.request('GET', `/leads/${lead.id}/history`);
    const events = (history.body as { events: Array<{ type: string; actor: { id: string; role: string }; data: Record<string, unknown>; occurredAt: string; recordedAt: string }> }).events;
    expect(events.map((event) => event.type)).toEqual([
      'LeadCaptured',
      'LeadScored',
      'LeadEngagementRecorded',
      'LeadScored',
      'LeadEngagementRecorded',
      'LeadScored',
      'LeadEngagementRecorded',
      'LeadScored',
      'LeadAssigned',
      'LeadStatusChanged',
      'LeadQualified',
      'LeadConverted',
    ]);
    expect(events.every((event) => event.actor.id === 'dev-admin' && event.actor.role === 'admin' && event.recordedAt >= event.occurredAt.slice(0, 4))).toBe(true);
    expect(events[events.length - 1].data).toMatchObject({
      opportunityId,
      accountName: 'Analytical Engines',
      amount: { amountMinor: 4_800_000, currency: 'EUR' },
      productType: 'platform',
      expectedCloseDate: '2026-12-31',
      ownerId: 'rep-7',
      source: 'web',
    });
  });

  it('lists with filters and read-your-writes, and hides other tenants’ leads', async () => {
    const created = await app.request('POST', '/leads', { name: 'Grace Hopper', email: 'grace@navy.example', source: 'referral', title: 'Rear Admiral' });
    const { position, id } = created.body as Lead;
    const listed = await app.request('GET', `/leads?source=referral&q=grace&minPosition=${position}`);
    expect((listed.body as { items: Lead[] }).items.map((lead) => lead.id)).toEqual([id]);

    const otherTenant = tokenFor(app, { sub: 'u-2', tenant: 'other', roles: ['admin'] });
    const hidden = await app.request('GET', `/leads/${id}`, undefined, { authorization: `Bearer ${otherTenant}` });
    expect(hidden.status).toBe(404);
    const notTheirs = await app.request('POST', `/leads/${id}/assign`, { ownerId: 'x' }, { authorization: `Bearer ${otherTenant}` });
    expect(notTheirs.status).toBe(404);
    const theirList = await app.request('GET', '/leads', undefined, { authorization: `Bearer ${otherTenant}` });
    expect((theirList.body as { items: Lead[] }).items).toEqual([]);
    expect((await app.request('GET', '/leads', undefined, { authorization: 'Bearer nope' })).status).toBe(401);

    // Backdating a capture is for imports: admin and integration only.
    const rep = tokenFor(app, { sub: 'rep-1', tenant: 'default', roles: ['rep'] });
    const backdated = { name: 'Old Import', email: 'old-import@example.com', source: 'partner', occurredAt: '2025-01-15T10:00:00Z' };
    const refused = await app.request('POST', '/leads', backdated, { authorization: `Bearer ${rep}` });
    expect(refused.status).toBe(403);
    const integration = tokenFor(app, { sub: 'importer', tenant: 'default', roles: ['integration'] });
    const imported = await app.request('POST', '/leads', backdated, { authorization: `Bearer ${integration}` });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ capturedAt: '2025-01-15T10:00:00.000Z' });
  });

  it('answers a repeated command with an Idempotency-Key with the first response, appending nothing', async () => {
    const body = { name: 'Idem Potent', email: 'idem@example.com', source: 'web', ownerId: 'rep-1' };
    const key = { 'idempotency-key': 'capture-idem-1' };
    const first = await app.request('POST', '/leads', body, key);
    const again = await app.request('POST', '/leads', body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const other = await app.request('POST', '/leads', { ...body, name: 'Someone Else' }, key);
    expect(other.status).toBe(422);
    // Commands on a lead too: the repeat of a disqualify is not a second, illegal disqualify.
    const id = (first.body as Lead).id;
    const disqualify = { 'idempotency-key': 'disqualify-idem-1' };
    expect((await app.request('POST', `/leads/${id}/disqualify`, { reason: 'no budget' }, disqualify)).status).toBe(200);
    expect((await app.request('POST', `/leads/${id}/disqualify`, { reason: 'no budget' }, disqualify)).status).toBe(200);
    expect((await app.request('POST', `/leads/${id}/disqualify`, { reason: 'no budget' })).status).toBe(409);
    // A failed request frees its key: corrected, it can be sent again under the same key.
    const failing = { 'idempotency-key': 'capture-idem-2' };
    expect((await app.request('POST', '/leads', { name: 'No Contact', source: 'web' }, failing)).status).toBe(400);
    expect((await app.request('POST', '/leads', { name: 'No Contact', email: 'nc@example.com', source: 'web', ownerId: 'rep-1' }, failing)).status).toBe(201);
    const history = (await app.request('GET', `/leads/${id}/history`)).body as { events: Array<{ type: string }> };
    expect(history.events.filter((event) => event.type === 'LeadCaptured')).toHaveLength(1);
    expect(history.events.filter((event) => event.type === 'LeadDisqualified')).toHaveLength(1);
  });

  it('pages through leads with a cursor, in order, without repeats', async () => {
    let last = 0;
    for (let i = 0; i < 7; i++) last = ((await app.request('POST', '/leads', { name: `Page ${i}`, email: `page${i}@example.com`, source: 'other' })).body as Lead).position;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await app.request('GET', `/leads?source=other&sort=name&limit=3&minPosition=${last}${cursor ? `&cursor=${cursor}` : ''}`);
      const body = page.body as { items: Array<{ name: string }>; nextCursor: string | null };
      seen.push(...body.items.map((item) => item.name));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `Page ${i}`));
  });

  it('answers at least 200 malformed requests with 400 and field errors, appending nothing', async () => {
    const base = await app.request('POST', '/leads', { name: 'Sweep Base', email: 'sweep@example.com', source: 'web' });
    const lead = base.body as Lead;
    const cases = malformedRequests(lead.id);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    for (const { method, path, body, why } of cases) {
      const response = await app.request(method, path, body);
      if (response.status !== 400) throw new Error(`${why}: expected 400, got ${response.status} ${JSON.stringify(response.body)}`);
      const problem = response.body as Problem;
      if (!problem.errors?.length && typeof body === 'object') throw new Error(`${why}: no field errors in ${JSON.stringify(problem)}`);
    }
    const after = await app.request('GET', `/leads/${lead.id}`);
    expect(after.headers.get('etag')).toBe(`"${lead.revision}"`);
    // The next append lands right after the base lead's: nothing was appended in between.
    const next = await app.request('POST', '/leads', { name: 'After Sweep', email: 'after-sweep@example.com', source: 'web' });
    expect((next.body as Lead).position).toBe(lead.position + 2);
  }, 120_000);

  // Last: once the directory has an eligible rep, every unowned lead gets routed (and appends).
  it('routes an unowned lead over the team directory the tasks service publishes', async () => {
    const member = await app.request('PUT', '/team/members/rep-apac', { name: 'Ana Pac', email: 'ana@example.com', role: 'rep', region: 'APAC', productLines: ['analytics'], active: true });
    expect([200, 201]).toContain(member.status);
    const lead = await app.request('POST', '/leads', { name: 'Routed Lead', email: 'routed@example.com', source: 'web', region: 'apac', productInterest: 'Analytics' });
    const id = (lead.body as Lead).id;
    const deadline = Date.now() + 10_000;
    let current = (await app.request('GET', `/leads/${id}`)).body as Lead;
    while (current.ownerId === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = (await app.request('GET', `/leads/${id}`)).body as Lead;
    }
    expect(current).toMatchObject({ ownerId: 'rep-apac', status: 'working' });
    const history = (await app.request('GET', `/leads/${id}/history`)).body as { events: Array<{ type: string; actor: { id: string; role: string }; data: { routedBy?: string } }> };
    expect(history.events.find((event) => event.type === 'LeadAssigned')).toMatchObject({ actor: { id: 'lead-routing', role: 'system' }, data: { routedBy: 'rules' } });
  });
});

type Case = { method: string; path: string; body: unknown; why: string };

/** Wrong types, missing and unknown fields, oversized strings, bad e-mails, phones, dates and amounts. */
const malformedRequests = (leadId: string): Case[] => {
  const valid = { name: 'Valid Name', email: 'valid@example.com', source: 'web' };
  const wrongTypes: unknown[] = [42, true, null, [], {}, ['x']];
  const cases: Case[] = [];
  const capture = (body: unknown, why: string) => cases.push({ method: 'POST', path: '/leads', body, why: `POST /leads ${why}` });
  const stringFields = ['name', 'company', 'title', 'industry', 'country', 'region', 'productInterest', 'ownerId'];
  for (const field of [...stringFields, 'email', 'phone', 'source', 'occurredAt']) {
    for (const value of wrongTypes) capture({ ...valid, [field]: value }, `${field}=${JSON.stringify(value)}`);
  }
  for (const field of stringFields) capture({ ...valid, [field]: '' }, `${field} empty`);
  capture({ ...valid, name: '   ' }, 'name blank');
  for (const field of ['name', 'company', 'title']) capture({ ...valid, [field]: 'x'.repeat(201) }, `${field} too long`);
  for (const field of ['industry', 'country', 'region', 'productInterest']) capture({ ...valid, [field]: 'x'.repeat(101) }, `${field} too long`);
  capture({ ...valid, email: `${'a'.repeat(250)}@example.com` }, 'email too long');
  for (const email of ['plain', 'a@', '@b.com', 'a b@c.com', 'a@b', 'a@@b.com', '']) capture({ ...valid, email }, `email ${email}`);
  for (const phone of ['12345', '020 7946 0958', '+44 (20) abc', '+1', '+1234567890123456789', '']) capture({ ...valid, email: undefined, phone }, `phone ${phone}`);
  for (const occurredAt of ['yesterday', '2026-13-01T00:00:00Z', '2026-02-30', '2026-01-01T10:00:00', '2999-01-01T00:00:00Z', '1900-01-01T00:00:00Z']) {
    capture({ ...valid, occurredAt }, `occurredAt ${occurredAt}`);
  }
  for (const companySize of [-1, 0, 1.5, 20_000_000, '10']) capture({ ...valid, companySize }, `companySize ${companySize}`);
  for (const amount of ['-5', '1.001', '1e5', 'abc', '', '12.345']) capture({ ...valid, estimatedValue: { amount, currency: 'EUR' } }, `estimatedValue ${amount}`);
  for (const estimatedValue of [1000, '1000', [], [{ amount: '10', currency: 'EUR' }], { amount: '10' }, { amount: '10', currency: 'euro' }, { amount: 10, currency: 'EUR' }, { amount: '10', currency: 'EUR', extra: 1 }]) {
    capture({ ...valid, estimatedValue }, `estimatedValue ${JSON.stringify(estimatedValue)}`);
  }
  for (const attributes of [[], 'x', { nested: { a: 1 } }, { 'bad key': 1 }, { list: [1] }, { big: 'x'.repeat(501) }, Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))]) {
    capture({ ...valid, attributes }, `attributes ${JSON.stringify(attributes).slice(0, 40)}`);
  }
  for (const source of ['tv', 'WEB', '']) capture({ ...valid, source }, `source ${source}`);
  for (const field of ['id', 'status', 'score', 'tenantId', '__proto__x', 'revision']) capture({ ...valid, [field]: 'x' }, `unknown field ${field}`);
  capture({ email: 'x@example.com', source: 'web' }, 'missing name');
  capture({ name: 'x', email: 'x@example.com' }, 'missing source');
  capture({ name: 'x', source: 'web' }, 'missing email and phone');
  capture({}, 'empty body');
  capture('[1,2]', 'array body');

  const onLead = (method: string, suffix: string, body: unknown, why: string) => cases.push({ method, path: `/leads/${leadId}${suffix}`, body, why: `${method} ${suffix || '/'} ${why}` });
  for (const field of ['name', 'company', 'email', 'phone', 'companySize']) for (const value of [42, null, [], {}]) if (!(field === 'companySize' && value === 42)) onLead('PATCH', '', { [field]: value }, `${field}=${JSON.stringify(value)}`);
  onLead('PATCH', '', { email: 'nope' }, 'bad email');
  onLead('PATCH', '', { status: 'qualified' }, 'unknown field status');
  onLead('PATCH', '', { source: 'web' }, 'source is not patchable');
  for (const body of [{}, { type: 'tweet' }, { type: 'page_view', count: 0 }, { type: 'page_view', count: 1001 }, { type: 'page_view', count: 1.5 }, { type: 'page_view', durationSeconds: -1 }, { type: 'page_view', occurredAt: 'now' }, { type: 'page_view', extra: true }, { type: 42 }]) {
    onLead('POST', '/engagements', body, JSON.stringify(body));
  }
  for (const body of [{}, { ownerId: '' }, { ownerId: 42 }, { ownerId: 'has spaces' }, { ownerId: 'x'.repeat(65) }, { ownerId: 'rep-1', extra: 1 }]) onLead('POST', '/assign', body, JSON.stringify(body));
  for (const body of [{}, { reason: '' }, { reason: 42 }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) onLead('POST', '/disqualify', body, JSON.stringify(body));
  const convert = { amount: '100.00', productType: 'platform', expectedCloseDate: '2026-12-31' };
  for (const body of [
    {},
    { ...convert, amount: '-1' },
    { ...convert, amount: 100 },
    { ...convert, amount: '1.234' },
    { ...convert, currency: 'eur' },
    { ...convert, productType: '' },
    { ...convert, expectedCloseDate: '2026-02-30' },
    { ...convert, expectedCloseDate: 'soon' },
    { ...convert, expectedCloseDate: 20261231 },
    { ...convert, opportunityName: '' },
    { ...convert, extra: 1 },
  ]) {
    onLead('POST', '/convert', body, JSON.stringify(body));
  }
  for (const body of [{}, { duplicateId: 'not-a-uuid' }, { duplicateId: 42 }]) onLead('POST', '/merge', body, JSON.stringify(body));
  return cases;
};

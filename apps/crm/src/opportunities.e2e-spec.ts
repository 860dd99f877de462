import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Deal = {
  id: string;
  status: string;
  stage: string;
  amount: string;
  currency: string;
  probability: number;
  probabilitySource: string;
  forecastCategory: string;
  forecastCategorySource: string;
  ageDays: number;
  daysInStage: number;
  lastActivityAt: string | null;
  stale: boolean;
  revision: number;
  position: number | null;
  [key: string]: unknown;
};
type HistoryEvent = { type: string; revision: number; data: Record<string, unknown>; actor: { id: string; role: string } };
type Problem = { status: number; code?: string; errors?: Array<{ field: string; messages: string[] }>; [key: string]: unknown };


const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000 - 60_000).toISOString();
const deal = { name: 'Analytical Engines - platform', accountName: 'Analytical Engines', amount: '48000.00', currency: 'EUR', productType: 'platform', ownerId: 'rep-7', expectedCloseDate: '2027-03-31' };

describe('opportunities over HTTP (embedded app)', () => {
  let app: RunningApp;
  /** Sends as another tenant (and role), so that tests touching the pipeline or counting deals stay apart. */
  const as = (tenant: string, roles = ['admin']) => {
    const authorization = `Bearer ${tokenFor(app, { sub: `${tenant}-user`, tenant, roles })}`;
    return (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => app.request(method, path, body, { authorization, ...headers });
  };

  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  const history = async (id: string) => ((await app.request('GET', `/opportunities/${id}/history`)).body as { events: HistoryEvent[] }).events;

  it('opens a deal, moves it forward and back, overrides its forecast, wins it, and keeps the history', async () => {
    const created = await app.request('POST', '/opportunities', { ...deal, occurredAt: daysAgo(3) });
    expect(created.status).toBe(201);
    const opened = created.body as Deal;
    expect(created.headers.get('location')).toBe(`/opportunities/${opened.id}`);
    expect(created.headers.get('etag')).toBe('"0"');
    expect(Number(created.headers.get('x-event-position'))).toBe(opened.position);
    expect(opened).toMatchObject({
      status: 'open',
      stage: 'Prospecting',
      amount: '48000.00',
      currency: 'EUR',
      probability: 10,
      probabilitySource: 'stage-default',
      forecastCategory: 'Pipeline',
      forecastCategorySource: 'stage-default',
      expectedCloseDate: '2027-03-31',
      ageDays: 3,
      daysInStage: 3,
      lastActivityAt: null,
      stale: false,
      leadId: null,
    });

    const read = await app.request('GET', `/opportunities/${opened.id.toUpperCase()}`);
    expect(read.headers.get('etag')).toBe('"0"');
    expect(read.body).toMatchObject({ id: opened.id, revision: 0, probabilitySource: 'stage-default' });

    const qualified = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Qualification' }, { 'if-match': '"0"' });
    expect(qualified.status).toBe(200);
    expect(qualified.headers.get('etag')).toBe('"1"');
    expect(qualified.body).toMatchObject({ stage: 'Qualification', probability: 20, forecastCategory: 'Pipeline', daysInStage: 0, ageDays: 3 });
    const negotiation = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'negotiation' });
    expect(negotiation.body).toMatchObject({ stage: 'Negotiation', probability: 80, forecastCategory: 'Commit' });
    const back = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Proposal' });
    expect(back.body).toMatchObject({ stage: 'Proposal', probability: 50, forecastCategory: 'Best Case', revision: 3 });

    const stale = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Negotiation' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Won' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown-stage', stages: ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'] });
    const same = await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Proposal' });
    expect(same.body).toMatchObject({ revision: 3, position: null });

    const overridden = await app.request('PATCH', `/opportunities/${opened.id}`, { forecastCategory: 'Commit', amount: '50000.00' }, { 'if-match': '"3"' });
    expect(overridden.body).toMatchObject({ forecastCategory: 'Commit', forecastCategorySource: 'override', amount: '50000.00', probability: 50 });

    const won = await app.request('POST', `/opportunities/${opened.id}/win`, { amount: '49000.00' });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ status: 'won', amount: '49000.00', probability: 100, probabilitySource: 'outcome', forecastCategory: 'Closed', forecastCategorySource: 'outcome' });
    expect((won.body as Deal).closedAt).toEqual(expect.any(String));
    const again = await app.request('POST', `/opportunities/${opened.id}/win`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'illegal-transition', currentStatus: 'won' });
    expect((await app.request('POST', `/opportunities/${opened.id}/stage`, { stage: 'Negotiation' })).status).toBe(409);

    const events = await history(opened.id);
    expect(events.map((event) => event.type)).toEqual([
      'OpportunityOpened',
      'OpportunityStageChanged',
      'OpportunityStageChanged',
      'OpportunityStageChanged',
      'OpportunityUpdated',
      'OpportunityWon',
    ]);
    expect(events[3].data).toMatchObject({ from: 'Negotiation', to: 'Proposal', direction: 'backward', probability: 50 });
    expect(events[5].data).toEqual({ opportunityId: opened.id, amount: { amountMinor: 4_900_000, currency: 'EUR' }, fromStage: 'Proposal' });
    expect(events.every((event) => event.actor.id === 'dev-admin' && event.actor.role === 'admin')).toBe(true);
  });

  it('loses a deal, refuses to win it, reopens it where it was, and wins it then', async () => {
    const opened = (await app.request('POST', '/opportunities', { ...deal, stage: 'Proposal' })).body as Deal;
    const lost = await app.request('POST', `/opportunities/${opened.id}/lose`, { reason: 'no budget', competitor: 'Babbage & Co' });
    expect(lost.body).toMatchObject({ status: 'lost', probability: 0, probabilitySource: 'outcome', forecastCategory: 'Omitted', lossReason: 'no budget', competitor: 'Babbage & Co' });

    for (const [action, body] of [
      ['win', {}],
      ['lose', { reason: 'again' }],
    ] as const) {
      const refused = await app.request('POST', `/opportunities/${opened.id}/${action}`, body);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'illegal-transition', currentStatus: 'lost' });
    }
    expect((await app.request('PATCH', `/opportunities/${opened.id}`, { name: 'x' })).status).toBe(409);

    const reopened = await app.request('POST', `/opportunities/${opened.id}/reopen`);
    expect(reopened.body).toMatchObject({ status: 'open', stage: 'Proposal', probability: 50, lossReason: null, closedAt: null });
    const twice = await app.request('POST', `/opportunities/${opened.id}/reopen`);
    expect(twice.body).toMatchObject({ status: 409, code: 'illegal-transition', currentStatus: 'open' });
    const won = await app.request('POST', `/opportunities/${opened.id}/win`);
    expect(won.body).toMatchObject({ status: 'won', amount: '48000.00' });
    expect((await history(opened.id)).map((event) => event.type)).toEqual(['OpportunityOpened', 'OpportunityLost', 'OpportunityReopened', 'OpportunityWon']);

    const negative = await app.request('POST', '/opportunities', { ...deal, amount: '-100.00' });
    expect(negative.status).toBe(400);
    expect((negative.body as Problem).errors?.map((error) => error.field)).toEqual(['amount']);
    expect((await app.request('GET', '/opportunities/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await app.request('GET', '/opportunities/not-an-id')).status).toBe(404);
  });

  it('lets exactly one of 50 concurrent stage changes with the same If-Match through; the rest get 412', async () => {
    const opened = (await app.request('POST', '/opportunities', deal)).body as Deal;
    const targets = ['Qualification', 'Proposal', 'Negotiation'];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.request('POST', `/opportunities/${opened.id}/stage`, { stage: targets[i % targets.length] }, { 'if-match': '"0"' })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(49);
    const events = await history(opened.id);
    expect(events.filter((event) => event.type === 'OpportunityStageChanged')).toHaveLength(1);
    expect(events).toHaveLength(2);
  }, 60_000);

  it('opens the opportunity of a lead converted through the leads API within 5 s, under the id the conversion named', async () => {
    const lead = (await app.request('POST', '/leads', { name: 'Grace Hopper', email: 'grace@cobol.example', company: 'Navy Labs', source: 'referral' })).body as { id: string };
    expect((await app.request('POST', `/leads/${lead.id}/assign`, { ownerId: 'rep-9' })).status).toBe(200);
    expect((await app.request('POST', `/leads/${lead.id}/qualify`)).status).toBe(200);
    const converted = await app.request('POST', `/leads/${lead.id}/convert`, { amount: '12500.50', currency: 'USD', productType: 'compiler', expectedCloseDate: '2027-01-15' });
    expect(converted.status).toBe(201);
    const { opportunityId } = converted.body as { opportunityId: string };

    const deadline = Date.now() + 5_000;
    let found: { status: number; body: unknown } | undefined;
    while (Date.now() < deadline) {
      found = await app.request('GET', `/opportunities/${opportunityId}`);
      if (found.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(found?.status).toBe(200);
    expect(found?.body).toMatchObject({
      id: opportunityId,
      leadId: lead.id,
      name: 'Navy Labs - compiler',
      accountName: 'Navy Labs',
      amount: '12500.50',
      currency: 'USD',
      productType: 'compiler',
      ownerId: 'rep-9',
      expectedCloseDate: '2027-01-15',
      stage: 'Prospecting',
      status: 'open',
      probability: 10,
      probabilitySource: 'stage-default',
      revision: 0,
    });
    const [openedEvent] = await history(opportunityId);
    expect(openedEvent.actor).toEqual({ id: 'lead-conversion', role: 'system' });
  });

  it('lists with filters, cursors and read-your-writes, and hides other tenants’ deals', async () => {
    const request = as('listing-tenant');
    const open = async (body: Record<string, unknown>) => (await request('POST', '/opportunities', { ...deal, ...body })).body as Deal;
    const small = await open({ name: 'Small', amount: '900.00', expectedCloseDate: '2027-01-31', productType: 'support' });
    const large = await open({ name: 'Large', amount: '120000.00', expectedCloseDate: '2027-02-28', ownerId: 'rep-2' });
    const lost = await open({ name: 'Lost', amount: '5000.00', expectedCloseDate: '2027-03-31' });
    const last = (await request('POST', `/opportunities/${lost.id}/lose`, { reason: 'timing' })).body as Deal;
    const names = async (query: string) => {
      const listed = await request('GET', `/opportunities?minPosition=${last.position}&${query}`);
      expect(listed.status).toBe(200);
      return (listed.body as { items: Deal[] }).items.map((item) => item.name);
    };
    expect(await names('sort=expectedCloseDate')).toEqual(['Small', 'Large', 'Lost']);
    expect(await names('status=open&sort=expectedCloseDate')).toEqual(['Small', 'Large']);
    expect(await names('status=lost')).toEqual(['Lost']);
    expect(await names('minAmount=1000&sort=-amount')).toEqual(['Large', 'Lost']);
    expect(await names('closingFrom=2027-02-01&closingTo=2027-03-31&sort=expectedCloseDate')).toEqual(['Large', 'Lost']);
    expect(await names('ownerId=rep-2')).toEqual(['Large']);
    expect(await names('productType=support')).toEqual(['Small']);
    expect(await names('stage=prospecting&status=open&sort=createdAt')).toEqual(['Small', 'Large']);
    expect(await names('stale=true')).toEqual([]);
    expect(await names('stale=false&sort=createdAt')).toEqual(['Small', 'Large', 'Lost']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await request('GET', `/opportunities?sort=expectedCloseDate&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const body = page.body as { items: Deal[]; nextCursor: string | null };
      seen.push(...body.items.map((item) => item.name as string));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Small', 'Large', 'Lost']);
    const items = ((await request('GET', '/opportunities?sort=createdAt')).body as { items: Deal[] }).items;
    expect(items[0]).toMatchObject({ id: small.id, probability: 10, probabilitySource: 'stage-default', forecastCategory: 'Pipeline', revision: 0 });
    expect(items[1].id).toBe(large.id);

    const stranger = as('another-tenant');
    expect((await stranger('GET', `/opportunities/${small.id}`)).status).toBe(404);
    expect((await stranger('POST', `/opportunities/${small.id}/stage`, { stage: 'Proposal' })).status).toBe(404);
    expect(((await stranger('GET', '/opportunities')).body as { items: Deal[] }).items).toEqual([]);
    expect((await app.request('GET', '/opportunities', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('serves the default pipeline, lets admins and managers redefine it, and refuses to remove a stage holding open deals', async () => {
    const admin = as('pipeline-tenant');
    const defaults = await admin('GET', '/pipeline/stages');
    expect(defaults.headers.get('etag')).toBe('"-1"');
    expect(defaults.body).toEqual({
      stages: [
        { name: 'Prospecting', probability: 10, forecastCategory: 'Pipeline', idleDays: 14 },
        { name: 'Qualification', probability: 20, forecastCategory: 'Pipeline', idleDays: 14 },
        { name: 'Proposal', probability: 50, forecastCategory: 'Best Case', idleDays: 21 },
        { name: 'Negotiation', probability: 80, forecastCategory: 'Commit', idleDays: 21 },
      ],
      outcomes: [
        { name: 'Won', probability: 100, forecastCategory: 'Closed' },
        { name: 'Lost', probability: 0, forecastCategory: 'Omitted' },
      ],
      source: 'default',
      revision: -1,
    });
    const inProposal = (await admin('POST', '/opportunities', { ...deal, stage: 'Proposal' })).body as Deal;
    // The open-deal count comes from the read model: read the write first, as a client would.
    await admin('GET', `/opportunities?minPosition=${inProposal.position}&limit=1`);

    const withoutProposal = [
      { name: 'Discovery', probability: 15, forecastCategory: 'Pipeline', idleDays: 10 },
      { name: 'Negotiation', probability: 80, forecastCategory: 'Commit' },
    ];
    const refused = await admin('PUT', '/pipeline/stages', { stages: withoutProposal });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'stage-has-open-deals', stages: [{ name: 'Proposal', openDeals: 1 }] });
    expect((await as('pipeline-tenant', ['rep'])('PUT', '/pipeline/stages', { stages: withoutProposal })).status).toBe(403);

    const next = [withoutProposal[0], { name: 'Proposal', probability: 40, forecastCategory: 'Best Case' }, withoutProposal[1]];
    const defined = await admin('PUT', '/pipeline/stages', { stages: next }, { 'if-match': '"-1"' });
    expect(defined.status).toBe(200);
    expect(defined.headers.get('etag')).toBe('"0"');
    expect(defined.body).toMatchObject({ source: 'defined', stages: [{ name: 'Discovery', idleDays: 10 }, { name: 'Proposal', idleDays: 30 }, { name: 'Negotiation', idleDays: 30 }] });
    expect((await admin('PUT', '/pipeline/stages', { stages: withoutProposal }, { 'if-match': '"-1"' })).status).toBe(412);
    expect((await admin('GET', `/opportunities/${inProposal.id}`)).body).toMatchObject({ stage: 'Proposal', probability: 40, probabilitySource: 'stage-default' });
    expect((await admin('POST', `/opportunities/${inProposal.id}/stage`, { stage: 'Prospecting' })).status).toBe(422);
    expect((await admin('POST', `/opportunities/${inProposal.id}/stage`, { stage: 'Discovery' })).body).toMatchObject({ stage: 'Discovery', probability: 15 });
    expect((await admin('POST', '/opportunities', deal)).body).toMatchObject({ stage: 'Discovery' });

    // Nothing is left in Proposal: now it can go.
    const removed = await admin('PUT', '/pipeline/stages', { stages: withoutProposal });
    expect(removed.status).toBe(200);
    expect((removed.body as { stages: Array<{ name: string }> }).stages.map((stage) => stage.name)).toEqual(['Discovery', 'Negotiation']);
    // The default tenant still has the defaults.
    expect((await app.request('GET', '/pipeline/stages')).body).toMatchObject({ source: 'default' });
  });

  it('answers at least 200 malformed requests with 400 and field errors, appending nothing', async () => {
    const request = as('sweep-tenant');
    const base = (await request('POST', '/opportunities', deal)).body as Deal;
    const cases = malformedRequests(base.id);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    for (const { method, path, body, why } of cases) {
      const response = await request(method, path, body);
      if (response.status !== 400) throw new Error(`${why}: expected 400, got ${response.status} ${JSON.stringify(response.body)}`);
      const problem = response.body as Problem;
      if (!response.headers.get('content-type')?.includes('application/problem+json')) throw new Error(`${why}: not problem+json`);
      if (!problem.errors?.length && typeof body === 'object') throw new Error(`${why}: no field errors in ${JSON.stringify(problem)}`);
    }
    // Nothing was appended: the deal and the pipeline kept their revisions, and no deal was opened
    // (the view reaches a probe appended after the sweep, so it has seen anything appended before).
    expect((await request('GET', `/opportunities/${base.id}`)).headers.get('etag')).toBe('"0"');
    expect((await request('GET', '/pipeline/stages')).headers.get('etag')).toBe('"-1"');
    const probe = (await request('POST', '/opportunities', { ...deal, name: 'Probe' })).body as Deal;
    const listed = await request('GET', `/opportunities?minPosition=${probe.position}&sort=createdAt`);
    expect((listed.body as { items: Deal[] }).items.map((item) => item.id)).toEqual([base.id, probe.id]);
  }, 120_000);
});

type Case = { method: string; path: string; body: unknown; why: string };

/** Wrong types, missing and unknown fields, oversized strings, bad amounts, currencies, dates, stages and queries. */
const malformedRequests = (id: string): Case[] => {
  const valid = { name: 'Valid', accountName: 'Acme', amount: '100.00', productType: 'platform', ownerId: 'rep-1', expectedCloseDate: '2026-12-31' };
  const wrongTypes: unknown[] = [42, true, null, [], {}, ['x']];
  const cases: Case[] = [];
  const add = (method: string, path: string, body: unknown, why: string) => cases.push({ method, path, body, why: `${method} ${path} ${why}` });
  const open = (body: unknown, why: string) => add('POST', '/opportunities', body, why);

  const fields = ['name', 'accountName', 'amount', 'currency', 'productType', 'ownerId', 'stage', 'expectedCloseDate', 'leadId', 'occurredAt'];
  for (const field of fields) for (const value of wrongTypes) open({ ...valid, [field]: value }, `${field}=${JSON.stringify(value)}`);
  for (const field of fields) open({ ...valid, [field]: '' }, `${field} empty`);
  for (const field of ['name', 'accountName', 'productType', 'stage']) open({ ...valid, [field]: '   ' }, `${field} blank`);
  for (const [field, length] of [['name', 201], ['accountName', 201], ['productType', 101], ['stage', 101]] as const) open({ ...valid, [field]: 'x'.repeat(length) }, `${field} too long`);
  for (const amount of ['-1', '-0.01', '1.001', '1e5', 'abc', '12.345', '1,000.00', ' 100', '100 ', '+5', '0x10', '99999999999999']) open({ ...valid, amount }, `amount ${amount}`);
  open({ ...valid, amount: '10.5', currency: 'JPY' }, 'amount with more digits than JPY has');
  for (const currency of ['eur', 'EURO', 'E1R']) open({ ...valid, currency }, `currency ${currency}`);
  for (const expectedCloseDate of ['2026-02-30', '2026-13-01', 'soon', '31.12.2026', '2026-12-31T00:00:00Z']) open({ ...valid, expectedCloseDate }, `expectedCloseDate ${expectedCloseDate}`);
  for (const occurredAt of ['yesterday', '2999-01-01T00:00:00Z', '2026-01-01T10:00:00', '1900-01-01T00:00:00Z']) open({ ...valid, occurredAt }, `occurredAt ${occurredAt}`);
  for (const leadId of ['not-a-uuid', '123']) open({ ...valid, leadId }, `leadId ${leadId}`);
  for (const ownerId of ['has spaces', 'x'.repeat(65), '-leading']) open({ ...valid, ownerId }, `ownerId ${ownerId}`);
  for (const field of ['id', 'status', 'probability', 'forecastCategory', 'tenantId', 'revision']) open({ ...valid, [field]: 'x' }, `unknown field ${field}`);
  for (const field of ['name', 'accountName', 'amount', 'productType', 'ownerId', 'expectedCloseDate']) {
    const { [field as keyof typeof valid]: _dropped, ...rest } = valid;
    open(rest, `missing ${field}`);
  }
  open({}, 'empty body');
  open('[1,2]', 'array body');

  const stage = (body: unknown, why: string) => add('POST', `/opportunities/${id}/stage`, body, why);
  stage({}, 'empty body');
  for (const value of wrongTypes) stage({ stage: value }, `stage=${JSON.stringify(value)}`);
  stage({ stage: '' }, 'stage empty');
  stage({ stage: '  ' }, 'stage blank');
  stage({ stage: 'x'.repeat(101) }, 'stage too long');
  for (const occurredAt of ['now', '2999-01-01T00:00:00Z', 42]) stage({ stage: 'Proposal', occurredAt }, `occurredAt ${occurredAt}`);
  stage({ stage: 'Proposal', probability: 90 }, 'unknown field probability');

  const patch = (body: unknown, why: string) => add('PATCH', `/opportunities/${id}`, body, why);
  for (const field of ['amount', 'currency', 'expectedCloseDate', 'ownerId', 'forecastCategory', 'name']) for (const value of [42, null, [], {}]) patch({ [field]: value }, `${field}=${JSON.stringify(value)}`);
  for (const forecastCategory of ['Closed', 'pipeline', 'Upside']) patch({ forecastCategory }, `forecastCategory ${forecastCategory}`);
  patch({ amount: '-5' }, 'negative amount');
  patch({ amount: '1.001' }, 'amount with three decimals');
  patch({ currency: 'USD' }, 'currency without amount');
  patch({ name: '' }, 'name empty');
  patch({ name: '  ' }, 'name blank');
  patch({ expectedCloseDate: '2026-02-30' }, 'expectedCloseDate that does not exist');
  for (const field of ['stage', 'status', 'probability']) patch({ [field]: 'x' }, `unknown field ${field}`);

  const win = (body: unknown, why: string) => add('POST', `/opportunities/${id}/win`, body, why);
  for (const amount of [42, null, [], {}, '-1', '1.001', 'abc']) win({ amount }, `amount ${JSON.stringify(amount)}`);
  win({ amount: '10.00', currency: 'eur' }, 'currency lower case');
  win({ currency: 'EUR' }, 'currency without amount');
  for (const occurredAt of ['today', '2999-01-01T00:00:00Z']) win({ occurredAt }, `occurredAt ${occurredAt}`);
  win({ reason: 'x' }, 'unknown field reason');

  const lose = (body: unknown, why: string) => add('POST', `/opportunities/${id}/lose`, body, why);
  lose({}, 'empty body');
  for (const value of wrongTypes) lose({ reason: value }, `reason=${JSON.stringify(value)}`);
  for (const reason of ['', '  ', 'x'.repeat(501)]) lose({ reason }, `reason ${reason.slice(0, 10)}`);
  for (const competitor of [42, '', null, 'x'.repeat(201)]) lose({ reason: 'price', competitor }, `competitor ${JSON.stringify(competitor).slice(0, 10)}`);
  for (const occurredAt of ['later', '2999-01-01T00:00:00Z']) lose({ reason: 'price', occurredAt }, `occurredAt ${occurredAt}`);
  lose({ reason: 'price', amount: '1.00' }, 'unknown field amount');

  const pipeline = (body: unknown, why: string) => add('PUT', '/pipeline/stages', body, why);
  const okStage = { name: 'Discovery', probability: 10, forecastCategory: 'Pipeline', idleDays: 7 };
  pipeline({}, 'empty body');
  for (const stages of ['x', [], {}, [1], [null]]) pipeline({ stages }, `stages ${JSON.stringify(stages)}`);
  for (const name of [undefined, '', ' padded', 42, 'x'.repeat(101)]) pipeline({ stages: [{ ...okStage, name }] }, `name ${JSON.stringify(name)?.slice(0, 10)}`);
  for (const probability of [-1, 101, 12.5, '50', null]) pipeline({ stages: [{ ...okStage, probability }] }, `probability ${JSON.stringify(probability)}`);
  for (const forecastCategory of ['Closed', 'commit', 42]) pipeline({ stages: [{ ...okStage, forecastCategory }] }, `forecastCategory ${forecastCategory}`);
  for (const idleDays of [0, 366, 1.5, null, '7']) pipeline({ stages: [{ ...okStage, idleDays }] }, `idleDays ${JSON.stringify(idleDays)}`);
  pipeline({ stages: [{ ...okStage, color: 'red' }] }, 'unknown stage field');
  pipeline({ stages: [okStage], version: 2 }, 'unknown top-level field');
  pipeline({ stages: Array.from({ length: 21 }, (_, i) => ({ ...okStage, name: `S${i}` })) }, '21 stages');
  pipeline({ stages: [okStage, { ...okStage, name: 'discovery' }] }, 'duplicate stage names');
  for (const name of ['Won', 'lost']) pipeline({ stages: [okStage, { ...okStage, name }] }, `outcome ${name} as a stage`);

  for (const query of [
    'status=bogus',
    `stage=${'x'.repeat(101)}`,
    'ownerId=has%20space',
    'closingFrom=2026-02-30',
    'closingTo=soon',
    'minAmount=-5',
    'minAmount=1e3',
    'minAmount=abc',
    'stale=yes',
    'limit=0',
    'limit=201',
    'limit=abc',
    'sort=name',
    'cursor=!!!',
    `cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
    `sort=amount&cursor=${Buffer.from('["2026-01-01","00000000-0000-4000-8000-000000000000"]').toString('base64url')}`,
    'currency=eur',
    'minPosition=-1',
    'unknown=1',
  ]) {
    add('GET', `/opportunities?${query}`, undefined, query);
  }
  return cases;
};

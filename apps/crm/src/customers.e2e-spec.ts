import { randomUUID as randomUUIDv4 } from 'node:crypto';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Account = { id: string; name: string; domain: string | null; revision: number; position: number };
type Contact = { id: string; accountId: string | null; name: string | null; email: string | null; position: number };
type Problem = { status: number; errors?: Array<{ field: string; messages: string[] }>; [key: string]: unknown };
type TimelineItem = { kind: string; type: string; at: string; record?: { type: string; id: string }; activity?: { summary: string; related: { type: string; id: string } }; task?: { id: string } };
type Timeline = { items: TimelineItem[]; nextCursor: string | null };
type Money = { amount: string; currency: string };
type Summary = {
  accountId: string;
  name: string | null;
  ownerId: string | null;
  openPipeline: Array<Money & { weightedAmount: string; deals: number }>;
  wonRevenue: { lifetime: Money[]; last12Months: Money[] };
  deals: { open: number; won: number; lost: number };
  winRate: number | null;
  lastActivity: { summary: string } | null;
  nextOpenTask: { id: string; dueAt: string } | null;
};

/** Polls until `done` holds (read models and policies are asynchronous), then returns the last value read. */
const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
};

describe('customers over HTTP (embedded app)', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  const qualifiedLead = async (name: string, email: string, company: string) => {
    const captured = await app.request('POST', '/leads', { name, email, company, region: 'EMEA', source: 'web' });
    expect(captured.status).toBe(201);
    const { id } = captured.body as { id: string };
    expect((await app.request('POST', `/leads/${id}/assign`, { ownerId: 'rep-1' })).status).toBe(200);
    expect((await app.request('POST', `/leads/${id}/qualify`)).status).toBe(200);
    return id;
  };

  // First, while nothing else appends: the positions prove that nothing was appended.
  it('answers at least 200 malformed requests to accounts, contacts, merges, timeline and summary with 400, appending nothing', async () => {
    const base = (await app.request('POST', '/accounts', { name: 'Sweep Base Account', domain: 'sweep-base.example' })).body as Account;
    const contact = (await app.request('POST', '/contacts', { name: 'Sweep Contact', email: 'sweep@sweep-base.example', accountId: base.id })).body as Contact & { revision: number };
    const cases = malformedCustomerRequests(base.id, contact.id);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const failures: string[] = [];
    for (const { method, path, body, why } of cases) {
      const response = await app.request(method, path, body);
      if (response.status !== 400) failures.push(`${why}: expected 400, got ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      else if (!(response.body as Problem).errors?.length && typeof body === 'object') failures.push(`${why}: no field errors in ${JSON.stringify(response.body)}`);
    }
    expect(failures).toEqual([]);
    expect((await app.request('GET', `/accounts/${base.id}`)).headers.get('etag')).toBe(`"${base.revision}"`);
    expect((await app.request('GET', `/contacts/${contact.id}`)).headers.get('etag')).toBe(`"${contact.revision}"`);
    // The next append lands right after the contact's: nothing was appended in between.
    const next = (await app.request('POST', '/accounts', { name: 'After The Sweep' })).body as Account;
    expect(next.position).toBe(contact.position + 1);
  }, 180_000);

  it('answers a repeated POST /accounts or /contacts with an Idempotency-Key with the first response, appending nothing', async () => {
    const body = { name: 'Idempotent Industries', domain: 'idempotent.example', region: 'EMEA' };
    const key = { 'idempotency-key': 'create-account-idem-1' };
    const first = await app.request('POST', '/accounts', body, key);
    const again = await app.request('POST', '/accounts', body, key);
    expect(first.status).toBe(201);
    // Without the key the same body is a duplicate (409): the 201 is the first answer replayed.
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect((await app.request('POST', '/accounts', { ...body, name: 'Other Industries' }, key)).status).toBe(422);
    const account = first.body as Account;
    const history = (await app.request('GET', `/accounts/${account.id}/history`)).body as { events: Array<{ type: string }> };
    expect(history.events.map((event) => event.type)).toEqual(['AccountCreated']);

    const person = { name: 'Ida Empotent', email: 'ida@idempotent.example', accountId: account.id };
    const contactKey = { 'idempotency-key': 'create-contact-idem-1' };
    const created = await app.request('POST', '/contacts', person, contactKey);
    const repeated = await app.request('POST', '/contacts', person, contactKey);
    expect(created.status).toBe(201);
    expect(repeated.status).toBe(201);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    expect(repeated.body).toEqual(created.body);
    expect((await app.request('POST', '/contacts', { ...person, title: 'CEO' }, contactKey)).status).toBe(422);
    const contacts = await app.request('GET', `/contacts?accountId=${account.id}&minPosition=${(created.body as Contact).position}`);
    expect((contacts.body as { items: Contact[] }).items.map((item) => item.id)).toEqual([(created.body as Contact).id]);
    // Nothing was appended after the contact: the next append comes right after it.
    expect(((await app.request('POST', '/accounts', { name: 'After Idempotency' })).body as Account).position).toBe((created.body as Contact).position + 1);
  });

  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 5_000;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await read();
    }
    return value;
  };

  it('converts two leads from the same company into one account, two contacts and two opportunities linked to it', async () => {
    const first = await qualifiedLead('Grace Hopper', 'grace@cobol.example', 'Cobol Systems Inc.');
    const second = await qualifiedLead('Jean Sammet', 'jean@cobol.example', 'COBOL Systems');
    const convert = (id: string) => app.request('POST', `/leads/${id}/convert`, { amount: '10000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2026-12-31' });
    const one = await convert(first);
    const two = await convert(second);
    expect(one.status).toBe(201);
    expect(two.status).toBe(201);
    const a = one.body as { opportunityId: string; accountId: string; contactId: string };
    const b = two.body as { opportunityId: string; accountId: string; contactId: string };
    expect(a.accountId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.accountId).toBe(a.accountId);
    expect(a.contactId).not.toBe(b.contactId);

    const account = await app.request('GET', `/accounts/${a.accountId}`);
    expect(account.body).toMatchObject({ name: 'Cobol Systems Inc.', region: 'EMEA', ownerId: 'rep-1', leadId: first });
    const contacts = await eventually(
      () => app.request('GET', `/contacts?accountId=${a.accountId}`),
      (response) => (response.body as { items: Contact[] }).items.length === 2,
    );
    expect((contacts.body as { items: Contact[] }).items.map((contact) => contact.name)).toEqual(['Grace Hopper', 'Jean Sammet']);
    expect((await app.request('GET', `/leads/${first}`)).body).toMatchObject({ status: 'converted', accountId: a.accountId, contactId: a.contactId });

    for (const opportunityId of [a.opportunityId, b.opportunityId]) {
      const deal = await eventually(() => app.request('GET', `/opportunities/${opportunityId}`), (response) => response.status === 200);
      expect(deal.body).toMatchObject({ accountId: a.accountId, accountName: expect.stringMatching(/cobol systems/i) });
    }
  });

  it('refuses a duplicate account by normalised domain or name, naming the existing one', async () => {
    const created = await app.request('POST', '/accounts', { name: 'Difference Engines Ltd', domain: 'https://www.Difference.example/', industry: 'Hardware' });
    expect(created.status).toBe(201);
    const account = created.body as Account;
    expect(account.domain).toBe('difference.example');
    expect(created.headers.get('location')).toBe(`/accounts/${account.id}`);

    const byDomain = await app.request('POST', '/accounts', { name: 'Other name', domain: 'difference.example' });
    expect(byDomain.status).toBe(409);
    expect(byDomain.body).toMatchObject({ existingAccountId: account.id, field: 'domain' });
    const byName = await app.request('POST', '/accounts', { name: 'difference engines' });
    expect(byName.body).toMatchObject({ status: 409, existingAccountId: account.id, field: 'name' });

    const stale = await app.request('PATCH', `/accounts/${account.id}`, { region: 'APAC' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const updated = await app.request('PATCH', `/accounts/${account.id}`, { region: 'APAC' }, { 'if-match': '"0"' });
    expect(updated.body).toMatchObject({ region: 'APAC', revision: 1 });

    const listed = await app.request('GET', `/accounts?q=difference&region=APAC&minPosition=${(updated.body as Account).position}`);
    expect((listed.body as { items: Account[] }).items.map((item) => item.id)).toEqual([account.id]);

    const contact = await app.request('POST', '/contacts', { name: 'Ada', email: 'ada@difference.example', accountId: account.id });
    expect(contact.status).toBe(201);
    const again = await app.request('POST', '/contacts', { name: 'Ada L.', email: 'ADA@difference.example' });
    expect(again.body).toMatchObject({ status: 409, existingContactId: (contact.body as Contact).id, field: 'email' });

    const duplicate = await app.request('POST', '/accounts', { name: 'Difference Engine Works' });
    const merged = await app.request('POST', `/accounts/${account.id}/merge`, { duplicateId: (duplicate.body as Account).id });
    expect(merged.status).toBe(200);
    expect((await app.request('GET', `/accounts/${(duplicate.body as Account).id}`)).body).toMatchObject({ mergedInto: account.id });
  });

  it('answers 400 to bad bodies and 404 to another tenant', async () => {
    for (const body of [{}, { name: '   ' }, { name: 'X', domain: 'not a domain' }, { name: 'X', surplus: true }, { name: 'X', annualRevenue: { amount: '1.5.0', currency: 'EUR' } }, { name: 'X', companySize: -1 }]) {
      expect((await app.request('POST', '/accounts', body)).status).toBe(400);
    }
    for (const body of [{}, { name: 'X', email: 'nope' }, { name: 'X', phone: '12' }, { name: 'X', accountId: 'nope' }, { name: 'X', extra: 1 }]) {
      expect((await app.request('POST', '/contacts', body)).status).toBe(400);
    }
    expect((await app.request('GET', '/accounts?limit=0')).status).toBe(400);

    const account = (await app.request('POST', '/accounts', { name: 'Tenant One Holdings' })).body as Account;
    const contact = (await app.request('POST', '/contacts', { name: 'Private Person', email: 'p@one.example' })).body as Contact;
    const other = { authorization: `Bearer ${tokenFor(app, { sub: 'intruder', tenant: 'tenant-2', roles: ['admin'] })}` };
    expect((await app.request('GET', `/accounts/${account.id}`, undefined, other)).status).toBe(404);
    expect((await app.request('PATCH', `/accounts/${account.id}`, { region: 'X' }, other)).status).toBe(404);
    expect((await app.request('GET', `/contacts/${contact.id}`, undefined, other)).status).toBe(404);
    expect((await app.request('GET', '/accounts/not-a-uuid')).status).toBe(404);
    // The same name is no duplicate in another tenant.
    expect((await app.request('POST', '/accounts', { name: 'Tenant One Holdings' }, other)).status).toBe(201);
  });

  it('erases a contact’s personal fields (admin only)', async () => {
    // The rep's own contact: visible to them, so the refusal is the role's (403), not the record's (404).
    const contact = (await app.request('POST', '/contacts', { name: 'Erase Me', email: 'erase@me.example', title: 'CFO', ownerId: 'rep-1' })).body as Contact;
    const rep = { authorization: `Bearer ${tokenFor(app, { sub: 'rep-1', tenant: 'default', roles: ['rep'] })}` };
    expect((await app.request('POST', `/contacts/${contact.id}/erase`, undefined, rep)).status).toBe(403);
    const erased = await app.request('POST', `/contacts/${contact.id}/erase`);
    expect(erased.status).toBe(200);
    expect((await app.request('GET', `/contacts/${contact.id}`)).body).toMatchObject({ name: null, email: null, title: 'CFO', erased: true });
    // The address is free again.
    expect((await app.request('POST', '/contacts', { name: 'New', email: 'erase@me.example' })).status).toBe(201);
  });

  it('shows an account’s timeline and summary across its contacts, leads and deals; the figures equal a hand computation', async () => {
    const first = await qualifiedLead('Frances Allen', 'frances@fortran.example', 'Fortran Foundry');
    const second = await qualifiedLead('John Backus', 'john@fortran.example', 'Fortran Foundry Ltd');
    const convert = (id: string, amount: string) => app.request('POST', `/leads/${id}/convert`, { amount, currency: 'EUR', productType: 'compilers', expectedCloseDate: '2026-12-31' });
    const one = (await convert(first, '12500.00')).body as { opportunityId: string; accountId: string; contactId: string };
    const two = (await convert(second, '7300.50')).body as { opportunityId: string; accountId: string; contactId: string };
    const accountId = one.accountId;
    expect(two.accountId).toBe(accountId);
    expect(two.contactId).not.toBe(one.contactId);

    // A deal opened by hand names the account by id; its name stays readable on the deal.
    const opened = await app.request('POST', '/opportunities', { name: 'Fortran support', accountName: 'Fortran Foundry', accountId: accountId.toUpperCase(), amount: '999.99', currency: 'USD', productType: 'support', ownerId: 'rep-1', expectedCloseDate: '2026-11-30' });
    expect(opened.status).toBe(201);
    const handOpened = opened.body as { id: string; accountId: string; accountName: string };
    expect(handOpened).toMatchObject({ accountId, accountName: 'Fortran Foundry' });
    expect((await app.request('GET', `/opportunities/${handOpened.id}`)).body).toMatchObject({ accountId, accountName: 'Fortran Foundry' });

    for (const opportunityId of [one.opportunityId, two.opportunityId]) {
      expect((await until(() => app.request('GET', `/opportunities/${opportunityId}`), (response) => response.status === 200)).status).toBe(200);
    }
    const won = await app.request('POST', `/opportunities/${one.opportunityId}/win`, { amount: '13000.00' });
    expect(won.status).toBe(200);
    expect((await app.request('POST', `/opportunities/${handOpened.id}/lose`, { reason: 'no budget' })).status).toBe(200);
    const open = (await app.request('GET', `/opportunities/${two.opportunityId}`)).body as { probability: number; amount: string };

    // Activities and tasks on the contacts and on the account itself.
    const log = (related: { type: string; id: string }, summary: string, occurredAt: string) => app.request('POST', '/activities', { type: 'call', related, summary, occurredAt });
    expect((await log({ type: 'contact', id: one.contactId }, 'Intro call with Frances', '2026-01-10T10:00:00Z')).status).toBe(201);
    expect((await log({ type: 'contact', id: two.contactId }, 'Pricing call with John', '2026-01-12T10:00:00Z')).status).toBe(201);
    expect((await log({ type: 'account', id: accountId }, 'Account review', '2026-01-11T10:00:00Z')).status).toBe(201);
    const task = (related: { type: string; id: string }, dueAt: string) => app.request('POST', '/tasks', { title: 'Follow up', type: 'call', related, dueAt, priority: 'normal' });
    const onContact = await task({ type: 'contact', id: two.contactId }, '2031-03-01T09:00:00Z');
    // Nobody named: the contact's owner (the lead's) gets it.
    expect(onContact.body).toMatchObject({ assigneeId: 'rep-1', assignedBy: 'record-owner', related: { type: 'contact', id: two.contactId } });
    // Due before anything the automation rules plan (they plan from now on): the next open task.
    const sooner = await task({ type: 'account', id: accountId }, '2026-01-15T09:00:00Z');
    expect(sooner.body).toMatchObject({ assigneeId: 'rep-1', assignedBy: 'record-owner' });
    // A contact without an owner takes its account's.
    const ownerless = (await app.request('POST', '/contacts', { name: 'Ownerless Person', email: 'ownerless@fortran.example', accountId })).body as Contact;
    const lastTask = await task({ type: 'contact', id: ownerless.id }, '2031-04-01T09:00:00Z');
    expect(lastTask.body).toMatchObject({ assigneeId: 'rep-1', assignedBy: 'record-owner' });
    // The last command's position: the timeline waits until its consumers have taken in everything up to it.
    const last = (lastTask.body as { position: number }).position;
    expect((await app.request('POST', '/tasks', { title: 'x', type: 'call', related: { type: 'contact', id: randomUUIDv4() }, dueAt: '2031-04-01T09:00:00Z', priority: 'normal' })).status).toBe(422);

    const timeline = await until(
      async () => (await app.request('GET', `/accounts/${accountId}/timeline?minPosition=${last}`)).body as Timeline,
      (body) => ['OpportunityWon', 'OpportunityLost'].every((type) => body.items?.some((item) => item.type === type)) && body.items.filter((item) => item.kind === 'activity').length === 3,
    );
    const kinds = timeline.items.map((item) => `${item.kind}:${item.type}`);
    for (const expected of ['record-event:AccountCreated', 'record-event:ContactCreated', 'record-event:LeadConverted', 'record-event:OpportunityOpened', 'record-event:OpportunityWon', 'record-event:OpportunityLost', 'task:TaskCreated']) {
      expect(kinds).toContain(expected);
    }
    const activities = timeline.items.filter((item) => item.kind === 'activity').map((item) => item.activity?.summary);
    expect(activities).toEqual(['Pricing call with John', 'Account review', 'Intro call with Frances']);
    expect(timeline.items.find((item) => item.activity?.summary === 'Intro call with Frances')?.activity?.related).toEqual({ type: 'contact', id: one.contactId });
    // Every lead, contact and deal of the account is in it, and nothing else.
    const records = new Set(timeline.items.filter((item) => item.record).map((item) => `${item.record?.type}:${item.record?.id}`));
    expect(records).toEqual(new Set([`account:${accountId}`, `lead:${first}`, `lead:${second}`, `contact:${one.contactId}`, `contact:${two.contactId}`, `contact:${ownerless.id}`, `opportunity:${one.opportunityId}`, `opportunity:${two.opportunityId}`, `opportunity:${handOpened.id}`]));
    const times = timeline.items.map((item) => Date.parse(item.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Paged with a cursor, the same entries in the same order. Tasks the automation rules plan may
    // still be arriving: the walk counts once an unpaged read before and after it agree.
    const entries = (body: Timeline) => body.items.map((item) => `${item.kind}:${item.type}:${item.at}`);
    const walk = async () => {
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (await app.request('GET', `/accounts/${accountId}/timeline?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body as Timeline;
        expect(page.items.length).toBeLessThanOrEqual(4);
        walked.push(...entries(page));
        cursor = page.nextCursor;
      } while (cursor);
      return walked;
    };
    for (const deadline = Date.now() + 10_000; ; ) {
      const before = entries((await app.request('GET', `/accounts/${accountId}/timeline`)).body as Timeline);
      const walked = await walk();
      const after = entries((await app.request('GET', `/accounts/${accountId}/timeline`)).body as Timeline);
      if (JSON.stringify(before) === JSON.stringify(after) || Date.now() > deadline) {
        expect(walked).toEqual(after);
        break;
      }
    }

    // The summary, against a hand computation: 13000.00 EUR won now, 7300.50 EUR open at its stage's
    // probability, the USD deal lost; win rate 1 of 2.
    const summary = await until(
      async () => (await app.request('GET', `/accounts/${accountId}/summary`)).body as Summary,
      (body) => body.deals?.won === 1 && body.deals.lost === 1 && body.nextOpenTask?.id === (sooner.body as { id: string }).id,
    );
    expect(open.amount).toBe('7300.50');
    const weighted = Math.round((730050 * open.probability) / 100);
    expect(summary).toMatchObject({
      accountId,
      name: 'Fortran Foundry',
      ownerId: 'rep-1',
      openPipeline: [{ amount: '7300.50', currency: 'EUR', weightedAmount: `${Math.floor(weighted / 100)}.${String(weighted % 100).padStart(2, '0')}`, deals: 1 }],
      wonRevenue: { lifetime: [{ amount: '13000.00', currency: 'EUR' }], last12Months: [{ amount: '13000.00', currency: 'EUR' }] },
      deals: { open: 1, won: 1, lost: 1 },
      winRate: 0.5,
      lastActivity: { summary: 'Pricing call with John' },
      nextOpenTask: { id: (sooner.body as { id: string }).id, dueAt: '2026-01-15T09:00:00.000Z' },
    });

    const other = { authorization: `Bearer ${tokenFor(app, { sub: 'intruder', tenant: 'tenant-2', roles: ['admin'] })}` };
    expect((await app.request('GET', `/accounts/${accountId}/timeline`, undefined, other)).status).toBe(404);
    expect((await app.request('GET', `/accounts/${accountId}/summary`, undefined, other)).status).toBe(404);
    expect((await app.request('GET', `/accounts/${randomUUIDv4()}/summary`)).status).toBe(404);
    expect((await app.request('GET', '/accounts/not-a-uuid/timeline')).status).toBe(404);
  }, 120_000);
});

type Case = { method: string; path: string; body: unknown; why: string };

/** Wrong types, missing and unknown fields, oversized strings, bad domains, e-mails, phones, ids, amounts and query parameters. */
const malformedCustomerRequests = (accountId: string, contactId: string): Case[] => {
  const cases: Case[] = [];
  const add = (method: string, path: string, body: unknown, why: string) => cases.push({ method, path, body, why: `${method} ${path} ${why}` });
  const wrongTypes: unknown[] = [42, true, null, [], {}, ['x']];

  const account = { name: 'Valid Account Name' };
  const accountStrings = ['name', 'industry', 'country', 'region', 'ownerId', 'domain'];
  for (const [method, path, valid] of [['POST', '/accounts', account], ['PATCH', `/accounts/${accountId}`, {}]] as const) {
    for (const field of [...accountStrings, 'companySize', 'annualRevenue', 'attributes']) {
      for (const value of wrongTypes) if (!(field === 'attributes' && JSON.stringify(value) === '{}') && !(field === 'companySize' && value === 42)) add(method, path, { ...valid, [field]: value }, `${field}=${JSON.stringify(value)}`);
    }
    for (const field of accountStrings) add(method, path, { ...valid, [field]: '' }, `${field} empty`);
    add(method, path, { ...valid, name: '   ' }, 'name blank');
    add(method, path, { ...valid, name: '!!!' }, 'name without a letter or digit');
    add(method, path, { ...valid, name: 'x'.repeat(201) }, 'name too long');
    for (const field of ['industry', 'country', 'region']) add(method, path, { ...valid, [field]: 'x'.repeat(101) }, `${field} too long`);
    for (const ownerId of ['has spaces', 'x'.repeat(65), '-leading-dash']) add(method, path, { ...valid, ownerId }, `ownerId ${ownerId}`);
    for (const domain of ['not a domain', 'localhost', 'http://', `${'a'.repeat(301)}.example`, '.com']) add(method, path, { ...valid, domain }, `domain ${domain.slice(0, 30)}`);
    for (const companySize of [-1, 0, 1.5, 20_000_000, '10']) add(method, path, { ...valid, companySize }, `companySize ${companySize}`);
    for (const annualRevenue of [1000, '1000', { amount: '10' }, { amount: '10', currency: 'euro' }, { amount: 10, currency: 'EUR' }, { amount: '-5', currency: 'EUR' }, { amount: '1.001', currency: 'EUR' }, { amount: '10', currency: 'EUR', extra: 1 }]) {
      add(method, path, { ...valid, annualRevenue }, `annualRevenue ${JSON.stringify(annualRevenue)}`);
    }
    for (const attributes of [[], 'x', { nested: { a: 1 } }, { 'bad key': 1 }, { list: [1] }, { big: 'x'.repeat(501) }]) add(method, path, { ...valid, attributes }, `attributes ${JSON.stringify(attributes).slice(0, 40)}`);
    for (const field of ['id', 'accountId', 'mergedInto', 'tenantId', 'revision', 'leadId']) add(method, path, { ...valid, [field]: 'x' }, `unknown field ${field}`);
  }
  add('POST', '/accounts', {}, 'empty body');
  add('POST', '/accounts', { domain: 'no-name.example' }, 'missing name');
  add('POST', '/accounts', '[1,2]', 'array body');

  const contact = { name: 'Valid Person' };
  const contactStrings = ['name', 'email', 'phone', 'title', 'ownerId', 'accountId'];
  for (const [method, path, valid] of [['POST', '/contacts', contact], ['PATCH', `/contacts/${contactId}`, {}]] as const) {
    for (const field of contactStrings) for (const value of wrongTypes) add(method, path, { ...valid, [field]: value }, `${field}=${JSON.stringify(value)}`);
    for (const field of contactStrings) add(method, path, { ...valid, [field]: '' }, `${field} empty`);
    add(method, path, { ...valid, name: '  ' }, 'name blank');
    add(method, path, { ...valid, name: 'x'.repeat(201) }, 'name too long');
    add(method, path, { ...valid, title: 'x'.repeat(201) }, 'title too long');
    for (const email of ['plain', 'a@', '@b.com', 'a b@c.com', 'a@@b.com', `${'a'.repeat(250)}@example.com`]) add(method, path, { ...valid, email }, `email ${email.slice(0, 30)}`);
    for (const phone of ['12345', '020 7946 0958', '+44 (20) abc', '+1', '+1234567890123456789']) add(method, path, { ...valid, phone }, `phone ${phone}`);
    for (const accountIdValue of ['nope', '123', `${accountId}x`]) add(method, path, { ...valid, accountId: accountIdValue }, `accountId ${accountIdValue}`);
    for (const field of ['id', 'erased', 'mergedInto', 'tenantId', 'leadId', 'company']) add(method, path, { ...valid, [field]: 'x' }, `unknown field ${field}`);
  }
  add('POST', '/contacts', {}, 'empty body');
  add('POST', '/contacts', { email: 'no-name@example.com' }, 'missing name');

  for (const [path, what] of [[`/accounts/${accountId}/merge`, 'account'], [`/contacts/${contactId}/merge`, 'contact']] as const) {
    for (const body of [{}, { duplicateId: 'not-a-uuid' }, { duplicateId: 42 }, { duplicateId: null }, { duplicateId: [] }, { duplicateId: '' }, { duplicateId: accountId, extra: 1 }]) add('POST', path, body, `${what} merge ${JSON.stringify(body)}`);
  }

  for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'minPosition=x', 'minPosition=-1', 'ownerId=has%20spaces', `q=${'x'.repeat(101)}`, `region=${'x'.repeat(101)}`, 'cursor=%%%', 'unknown=1']) {
    add('GET', `/accounts?${query}`, undefined, query);
  }
  for (const query of ['accountId=nope', 'limit=0', 'limit=201', 'limit=x', `q=${'x'.repeat(101)}`, 'minPosition=abc', 'cursor=bm90LWFuLWFycmF5', 'unknown=1']) add('GET', `/contacts?${query}`, undefined, query);
  const forged = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
  for (const query of [
    'limit=0',
    'limit=501',
    'limit=-3',
    'limit=ten',
    'limit=2.5',
    'minPosition=soon',
    'minPosition=1234567890123456',
    'cursor=not-base64-json',
    `cursor=${forged({ at: 'x' })}`,
    `cursor=${forged(['not a date', 'e:1'])}`,
    `cursor=${forged(['2026-01-01T00:00:00Z', 42])}`,
    `cursor=${forged(['2026-01-01T00:00:00Z', 'z:unknown'])}`,
    `cursor=${forged(['2026-01-01T00:00:00Z', 'e:1', 'extra'])}`,
    `cursor=${'x'.repeat(501)}`,
    'unknown=1',
  ]) {
    add('GET', `/accounts/${accountId}/timeline?${query}`, undefined, query);
  }
  for (const query of ['minPosition=x', 'minPosition=1.5', 'limit=5', 'unknown=1']) add('GET', `/accounts/${accountId}/summary?${query}`, undefined, query);
  return cases;
};

import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Account = { id: string; name: string; domain: string | null; revision: number; position: number };
type Contact = { id: string; accountId: string | null; name: string | null; email: string | null; position: number };

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
    const contact = (await app.request('POST', '/contacts', { name: 'Erase Me', email: 'erase@me.example', title: 'CFO' })).body as Contact;
    const rep = { authorization: `Bearer ${tokenFor(app, { sub: 'rep-1', tenant: 'default', roles: ['rep'] })}` };
    expect((await app.request('POST', `/contacts/${contact.id}/erase`, undefined, rep)).status).toBe(403);
    const erased = await app.request('POST', `/contacts/${contact.id}/erase`);
    expect(erased.status).toBe(200);
    expect((await app.request('GET', `/contacts/${contact.id}`)).body).toMatchObject({ name: null, email: null, title: 'CFO', erased: true });
    // The address is free again.
    expect((await app.request('POST', '/contacts', { name: 'New', email: 'erase@me.example' })).status).toBe(201);
  });
});

import { AccountEvent, ContactEvent } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { accountDecider, accountKeysOf, contactDecider, contactKeysOf, keyChanges } from './customer.decider';
import { normalizeCompanyName, normalizeDomain } from './normalize';

const at = '2026-04-01T09:00:00.000Z';
const accountId = 'a-1';
const contactId = 'c-1';

const rejected = (kind: string, code: string) => (error: CommandRejected) => {
  expect(error.kind).toBe(kind);
  expect(error.code).toBe(code);
};

describe('customer dedupe keys', () => {
  it('collides accounts on the normalised domain and the normalised name', () => {
    expect(normalizeDomain('https://www.Analytical-Engines.example/about?x=1')).toBe('analytical-engines.example');
    expect(normalizeDomain('not a domain')).toBeNull();
    expect(normalizeCompanyName('Analytical Engines Ltd.')).toBe(normalizeCompanyName('  analytical   ENGINES '));
    expect(normalizeCompanyName('Müller & Söhne GmbH')).toBe('muller and sohne');
    expect(normalizeCompanyName('Ltd')).toBe('ltd');
    expect(accountKeysOf({ name: 'Analytical Engines Ltd', domain: 'WWW.ae.example' })).toEqual([
      { kind: 'domain', value: 'ae.example' },
      { kind: 'name', value: 'analytical engines' },
    ]);
    expect(accountKeysOf({ industry: 'Software' })).toEqual([]);
  });

  it('collides contacts on e-mail and phone, as leads do', () => {
    expect(contactKeysOf({ name: 'Ada', email: ' Ada@Example.com ', phone: '+442079460958' })).toEqual([
      { kind: 'email', value: 'ada@example.com' },
      { kind: 'phone', value: '+442079460958' },
    ]);
    expect(contactKeysOf({ name: 'Ada' })).toEqual([]);
  });

  it('tells the keys an update adds from the ones it frees', () => {
    const before = [{ kind: 'domain', value: 'old.example' }, { kind: 'name', value: 'acme' }];
    const after = [{ kind: 'domain', value: 'new.example' }, { kind: 'name', value: 'acme' }];
    expect(keyChanges(before, after)).toEqual({ added: [{ kind: 'domain', value: 'new.example' }], removed: [{ kind: 'domain', value: 'old.example' }] });
  });
});

describe('account decider', () => {
  const spec = deciderSpec(accountDecider);
  const created: AccountEvent = { type: 'AccountCreated', occurredAt: at, data: { accountId, name: 'Analytical Engines', domain: 'ae.example', region: 'EMEA' } };

  it('creates an account', () => {
    spec
      .given([])
      .when({ type: 'CreateAccount', accountId, profile: { name: 'Analytical Engines', domain: 'ae.example', region: 'EMEA' }, occurredAt: at })
      .then([created]);
  });

  it('records the owner and the lead a conversion created it from', () => {
    spec
      .given([])
      .when({ type: 'CreateAccount', accountId, profile: { name: 'Acme' }, ownerId: 'rep-1', leadId: 'l-1', occurredAt: at })
      .then([{ type: 'AccountCreated', occurredAt: at, data: { accountId, name: 'Acme', ownerId: 'rep-1', leadId: 'l-1' } }]);
  });

  it('refuses to create an account twice', () => {
    spec.given([created]).when({ type: 'CreateAccount', accountId, profile: { name: 'x' }, occurredAt: at }).thenThrows(CommandRejected, rejected('conflict', 'account-exists'));
  });

  it('updates only the fields that changed, the owner included', () => {
    spec
      .given([created])
      .when({ type: 'UpdateAccount', changes: { name: 'Analytical Engines', industry: 'Software', ownerId: 'rep-2', annualRevenue: { amountMinor: 100, currency: 'EUR' } } })
      .then([{ type: 'AccountUpdated', data: { accountId, changes: { industry: 'Software', ownerId: 'rep-2', annualRevenue: { amountMinor: 100, currency: 'EUR' } } } }]);
  });

  it('appends nothing for an update that changes nothing', () => {
    spec.given([created]).when({ type: 'UpdateAccount', changes: { region: 'EMEA' } }).then([]);
  });

  it('refuses to update a missing account', () => {
    spec.given([]).when({ type: 'UpdateAccount', changes: { region: 'EMEA' } }).thenThrows(CommandRejected, rejected('not_found', 'account-not-found'));
  });

  describe('merge', () => {
    const duplicate = accountDecider.evolve(accountDecider.initialState(), {
      type: 'AccountCreated',
      data: { accountId: 'a-2', name: 'AE Ltd', domain: 'other.example', industry: 'Software', ownerId: 'rep-3' },
    });

    it('merges a duplicate, filling only the survivor’s gaps (never its name)', () => {
      spec
        .given([created])
        .when({ type: 'MergeAccount', duplicateId: 'a-2', duplicate })
        .then([
          { type: 'AccountMerged', data: { accountId, duplicateId: 'a-2' } },
          { type: 'AccountUpdated', data: { accountId, changes: { industry: 'Software', ownerId: 'rep-3' } } },
        ]);
    });

    it('completes a repeated merge without appending', () => {
      spec.given([created, { type: 'AccountMerged', data: { accountId, duplicateId: 'a-2' } }]).when({ type: 'MergeAccount', duplicateId: 'a-2', duplicate }).then([]);
    });

    it('refuses to merge an account into itself, a missing one, or one already merged away', () => {
      spec.given([created]).when({ type: 'MergeAccount', duplicateId: accountId, duplicate }).thenThrows(CommandRejected, rejected('invalid', 'merge-into-itself'));
      spec.given([created]).when({ type: 'MergeAccount', duplicateId: 'a-2', duplicate: { exists: false } }).thenThrows(CommandRejected, rejected('not_found', 'account-not-found'));
      spec
        .given([created])
        .when({ type: 'MergeAccount', duplicateId: 'a-2', duplicate: { ...(duplicate as Extract<typeof duplicate, { exists: true }>), mergedInto: 'a-9' } })
        .thenThrows(CommandRejected, rejected('conflict', 'account-merged'));
    });

    it('closes the duplicate: it takes no more changes', () => {
      spec.given([created]).when({ type: 'MarkAccountMergedInto', survivorId: 'a-9' }).then([{ type: 'AccountMergedInto', data: { accountId, survivorId: 'a-9' } }]);
      spec
        .given([created, { type: 'AccountMergedInto', data: { accountId, survivorId: 'a-9' } }])
        .when({ type: 'UpdateAccount', changes: { region: 'APAC' } })
        .thenThrows(CommandRejected, (error) => expect(error.details).toEqual({ mergedInto: 'a-9' }));
    });
  });
});

describe('contact decider', () => {
  const spec = deciderSpec(contactDecider);
  const created: ContactEvent = { type: 'ContactCreated', occurredAt: at, data: { contactId, name: 'Ada Lovelace', email: 'ada@example.com', accountId } };

  it('creates a contact, linked to its account', () => {
    spec.given([]).when({ type: 'CreateContact', contactId, profile: { name: 'Ada Lovelace', email: 'ada@example.com' }, accountId, occurredAt: at }).then([created]);
  });

  it('updates only what changed, and may move the contact to another account', () => {
    spec
      .given([created])
      .when({ type: 'UpdateContact', changes: { email: 'ada@example.com', title: 'CTO', accountId: 'a-2' } })
      .then([{ type: 'ContactUpdated', data: { contactId, changes: { title: 'CTO', accountId: 'a-2' } } }]);
  });

  it('merges a duplicate, filling the survivor’s gaps', () => {
    const duplicate = contactDecider.evolve(contactDecider.initialState(), { type: 'ContactCreated', data: { contactId: 'c-2', name: 'A. Lovelace', phone: '+442079460958', ownerId: 'rep-1' } });
    spec
      .given([created])
      .when({ type: 'MergeContact', duplicateId: 'c-2', duplicate })
      .then([
        { type: 'ContactMerged', data: { contactId, duplicateId: 'c-2' } },
        { type: 'ContactUpdated', data: { contactId, changes: { phone: '+442079460958', ownerId: 'rep-1' } } },
      ]);
  });

  it('erases once; afterwards personal fields are refused and never folded back', () => {
    const erased: ContactEvent = { type: 'ContactErased', data: { contactId } };
    spec.given([created]).when({ type: 'EraseContact' }).then([erased]);
    spec.given([created, erased]).when({ type: 'EraseContact' }).then([]);
    spec.given([created, erased]).when({ type: 'UpdateContact', changes: { name: 'Someone' } }).thenThrows(CommandRejected, rejected('conflict', 'contact-erased'));
    const state = [created, erased].reduce(contactDecider.evolve, contactDecider.initialState());
    expect(state).toMatchObject({ exists: true, erased: true, profile: {}, accountId });
  });

  it('folds shredded personal fields (null) as absent', () => {
    const state = contactDecider.evolve(contactDecider.initialState(), { type: 'ContactCreated', data: { contactId, name: null as unknown as string, title: 'CTO' } });
    expect(state).toMatchObject({ profile: { title: 'CTO' } });
    expect(state.exists && 'name' in state.profile).toBe(false);
  });
});

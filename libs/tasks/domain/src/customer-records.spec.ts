import { accountDealFigures, accountLinksOf, customerRecordOf, dealStanding, DealStanding } from './customer-records';
import { foldRelatedFacts } from './related-record';

const account = 'aaaaaaaa-0000-4000-8000-000000000001';
const other = 'aaaaaaaa-0000-4000-8000-000000000002';
const lead = 'bbbbbbbb-0000-4000-8000-000000000001';
const contact = 'cccccccc-0000-4000-8000-000000000001';
const deal = 'dddddddd-0000-4000-8000-000000000001';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const at = (occurredAt: string, type: string, data: Record<string, unknown>) => ({ type, data, occurredAt });

describe('customer records', () => {
  it('name the record of an event by its stream, for leads, accounts, contacts and deals only', () => {
    expect(customerRecordOf(`contact-${contact.toUpperCase()}`)).toEqual({ type: 'contact', id: contact });
    expect(customerRecordOf(`opportunity-${deal}`)).toEqual({ type: 'opportunity', id: deal });
    expect(customerRecordOf(`scoring-${deal}`)).toBeUndefined();
  });

  it('link conversions, contacts, hand-opened deals and merged accounts to their account', () => {
    expect(accountLinksOf({ type: 'LeadConverted', data: { leadId: lead, opportunityId: deal, accountId: account } })).toEqual([
      { record: { type: 'lead', id: lead }, accountId: account },
      { record: { type: 'opportunity', id: deal }, accountId: account },
    ]);
    expect(accountLinksOf({ type: 'ContactCreated', data: { contactId: contact, name: 'x', accountId: account } })).toEqual([{ record: { type: 'contact', id: contact }, accountId: account }]);
    expect(accountLinksOf({ type: 'ContactUpdated', data: { contactId: contact, changes: { accountId: other } } })).toEqual([{ record: { type: 'contact', id: contact }, accountId: other }]);
    expect(accountLinksOf({ type: 'OpportunityOpened', data: { opportunityId: deal, accountId: account.toUpperCase() } })).toEqual([{ record: { type: 'opportunity', id: deal }, accountId: account }]);
    expect(accountLinksOf({ type: 'AccountMergedInto', data: { accountId: other, survivorId: account } })).toEqual([{ record: { type: 'account', id: other }, accountId: account }]);
    // Silence removes no link: a conversion from before customers existed, a contact's other changes.
    expect(accountLinksOf({ type: 'LeadConverted', data: { leadId: lead, opportunityId: deal } })).toEqual([]);
    expect(accountLinksOf({ type: 'ContactUpdated', data: { contactId: contact, changes: { title: 'CTO' } } })).toEqual([]);
  });

  it('learn the owner and region of accounts, and the owner and account of contacts', () => {
    expect(
      foldRelatedFacts({ type: 'account', id: account }, [
        { type: 'AccountCreated', data: { accountId: account, name: 'Acme', region: 'EMEA' } },
        { type: 'AccountUpdated', data: { accountId: account, changes: { ownerId: 'rep-1' } } },
      ]),
    ).toEqual({ ownerId: 'rep-1', region: 'EMEA' });
    expect(
      foldRelatedFacts({ type: 'contact', id: contact }, [
        { type: 'ContactCreated', data: { contactId: contact, name: 'sealed', accountId: account } },
        { type: 'ContactUpdated', data: { contactId: contact, changes: { ownerId: 'rep-2', accountId: other } } },
      ]),
    ).toEqual({ ownerId: 'rep-2', accountId: other });
  });

  it('fold a deal through win, reopening and loss', () => {
    const opened = at('2026-01-01T00:00:00Z', 'OpportunityOpened', { opportunityId: deal, amount: eur(100_00), probability: 10 });
    expect(dealStanding([opened, at('2026-01-02T00:00:00Z', 'OpportunityStageChanged', { opportunityId: deal, probability: 50 })])).toEqual({ opportunityId: deal, status: 'open', amount: eur(100_00), probability: 50 });
    const won = at('2026-02-01T00:00:00Z', 'OpportunityWon', { opportunityId: deal, amount: eur(120_00) });
    expect(dealStanding([opened, won])).toMatchObject({ status: 'won', amount: eur(120_00), closedAt: '2026-02-01T00:00:00Z' });
    const reopened = dealStanding([opened, won, at('2026-02-02T00:00:00Z', 'OpportunityReopened', { opportunityId: deal, probability: 80 })]);
    expect(reopened).toEqual({ opportunityId: deal, status: 'open', amount: eur(120_00), probability: 80 });
    expect(dealStanding([opened, at('2026-03-01T00:00:00Z', 'OpportunityLost', { opportunityId: deal })])).toMatchObject({ status: 'lost', closedAt: '2026-03-01T00:00:00Z' });
    expect(dealStanding([])).toBeUndefined();
  });

  it('sum the pipeline and won revenue per currency, the last 12 months and the win rate', () => {
    const deals: DealStanding[] = [
      { opportunityId: '1', status: 'open', amount: eur(1000_00), probability: 10 },
      { opportunityId: '2', status: 'open', amount: eur(333_33), probability: 50 },
      { opportunityId: '3', status: 'open', amount: { amountMinor: 5_00, currency: 'USD' }, probability: 20 },
      { opportunityId: '4', status: 'won', amount: eur(200_00), probability: 100, closedAt: '2026-06-30T00:00:00Z' },
      { opportunityId: '5', status: 'won', amount: eur(50_00), probability: 100, closedAt: '2025-06-29T23:59:59Z' },
      { opportunityId: '6', status: 'lost', amount: eur(70_00), probability: 0, closedAt: '2026-01-01T00:00:00Z' },
    ];
    expect(accountDealFigures(deals, '2026-06-30T00:00:00Z')).toEqual({
      openPipeline: [
        // 100000 × 0.1 + 33333 × 0.5 = 26666.5 minor units, rounded.
        { amount: eur(1333_33), weighted: eur(266_67), deals: 2 },
        { amount: { amountMinor: 5_00, currency: 'USD' }, weighted: { amountMinor: 1_00, currency: 'USD' }, deals: 1 },
      ],
      wonRevenue: { lifetime: [eur(250_00)], last12Months: [eur(200_00)] },
      won: 2,
      lost: 1,
      open: 3,
      winRate: 2 / 3,
    });
    expect(accountDealFigures([], '2026-06-30T00:00:00Z')).toMatchObject({ openPipeline: [], winRate: null, wonRevenue: { lifetime: [], last12Months: [] } });
  });
});

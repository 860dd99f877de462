import { AccountEvent, categoryOf, ContactEvent, idOf, LeadEvent, Money, OpportunityEvent, RelatedRecord, RelatedRecordType, relatedRecordTypes } from '@crm/contracts';
import { ForeignEvent } from './related-record';

/**
 * What the tasks context learns of customers from the leads and opportunities topics, for the
 * account timeline and summary: which account each lead, contact, opportunity (and merged account)
 * belongs to, and how the account's deals stand.
 */

/** The lead, account, contact or opportunity whose stream an event is in; undefined for other streams. */
export const customerRecordOf = (streamId: string): RelatedRecord | undefined => {
  const type = categoryOf(streamId);
  return (relatedRecordTypes as readonly string[]).includes(type) ? { type: type as RelatedRecordType, id: idOf(streamId).toLowerCase() } : undefined;
};

/** A record belongs to an account; an account merged into another belongs to the survivor. */
export type AccountLink = { record: RelatedRecord; accountId: string };

/**
 * The account links an event states. Events without an account say nothing (a link is never
 * removed by silence): a contact moved to another account says so with its new `accountId`.
 */
export const accountLinksOf = (event: ForeignEvent): AccountLink[] => {
  const known = event as LeadEvent | OpportunityEvent | AccountEvent | ContactEvent;
  const link = (type: RelatedRecordType, id: string, accountId: string | undefined): AccountLink[] =>
    accountId ? [{ record: { type, id: id.toLowerCase() }, accountId: accountId.toLowerCase() }] : [];
  switch (known.type) {
    case 'AccountCreated':
      return link('lead', known.data.leadId ?? '', known.data.leadId ? known.data.accountId : undefined);
    case 'AccountMerged':
      return link('account', known.data.duplicateId, known.data.accountId);
    case 'AccountMergedInto':
      return link('account', known.data.accountId, known.data.survivorId);
    case 'ContactCreated':
      return [...link('contact', known.data.contactId, known.data.accountId), ...(known.data.leadId ? link('lead', known.data.leadId, known.data.accountId) : [])];
    case 'ContactUpdated':
      return link('contact', known.data.contactId, known.data.changes.accountId);
    case 'LeadConverted':
      return [...link('lead', known.data.leadId, known.data.accountId), ...link('opportunity', known.data.opportunityId, known.data.accountId)];
    case 'OpportunityOpened':
      return link('opportunity', known.data.opportunityId, known.data.accountId);
    default:
      return [];
  }
};

export type DealStanding = {
  opportunityId: string;
  status: 'open' | 'won' | 'lost';
  /** The deal's amount; once won, the amount won. */
  amount: Money;
  /** The stage's win probability (percent) as the events recorded it. */
  probability: number;
  /** When it was won or lost (business time); absent while open. */
  closedAt?: string;
};

type DealEvent = ForeignEvent & { occurredAt: string };

/** Folds one opportunity's events (in order) into how it stands; undefined before it was opened. */
export const dealStanding = (events: readonly DealEvent[]): DealStanding | undefined =>
  events.reduce<DealStanding | undefined>((deal, event) => {
    const known = event as OpportunityEvent & { occurredAt: string };
    switch (known.type) {
      case 'OpportunityOpened':
        return { opportunityId: known.data.opportunityId, status: 'open', amount: known.data.amount, probability: known.data.probability };
      case 'OpportunityUpdated':
        return deal && known.data.changes.amount ? { ...deal, amount: known.data.changes.amount } : deal;
      case 'OpportunityStageChanged':
        return deal && { ...deal, probability: known.data.probability };
      case 'OpportunityWon':
        return deal && { ...deal, status: 'won', amount: known.data.amount, probability: 100, closedAt: event.occurredAt };
      case 'OpportunityLost':
        return deal && { ...deal, status: 'lost', probability: 0, closedAt: event.occurredAt };
      case 'OpportunityReopened': {
        if (!deal) return deal;
        const { closedAt: _closed, ...open } = deal;
        return { ...open, status: 'open', probability: known.data.probability };
      }
      default:
        return deal;
    }
  }, undefined);

export type AccountDealFigures = {
  /** Open deals per currency: their amounts, and weighted by the stage probability (rounded to the minor unit). */
  openPipeline: Array<{ amount: Money; weighted: Money; deals: number }>;
  wonRevenue: { lifetime: Money[]; last12Months: Money[] };
  won: number;
  lost: number;
  open: number;
  /** won ÷ (won + lost); null before any deal closed. */
  winRate: number | null;
};

/**
 * The account's deal figures as of `now`. Money is never summed across currencies. The last 12
 * months are the deals won at or after the same instant twelve calendar months before `now`.
 */
export const accountDealFigures = (deals: readonly DealStanding[], now: string): AccountDealFigures => {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - 12);
  const open = new Map<string, { amount: number; weighted: number; deals: number }>();
  const lifetime = new Map<string, number>();
  const recent = new Map<string, number>();
  let won = 0;
  let lost = 0;
  for (const deal of deals) {
    const currency = deal.amount.currency;
    if (deal.status === 'open') {
      const sum = open.get(currency) ?? { amount: 0, weighted: 0, deals: 0 };
      open.set(currency, { amount: sum.amount + deal.amount.amountMinor, weighted: sum.weighted + (deal.amount.amountMinor * deal.probability) / 100, deals: sum.deals + 1 });
    } else if (deal.status === 'won') {
      won += 1;
      lifetime.set(currency, (lifetime.get(currency) ?? 0) + deal.amount.amountMinor);
      if (deal.closedAt && Date.parse(deal.closedAt) >= since.getTime()) recent.set(currency, (recent.get(currency) ?? 0) + deal.amount.amountMinor);
    } else lost += 1;
  }
  const byCurrency = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  const sums = (map: Map<string, number>): Money[] => byCurrency(map).map(([currency, amountMinor]) => ({ amountMinor, currency }));
  return {
    openPipeline: byCurrency(open).map(([currency, sum]) => ({
      amount: { amountMinor: sum.amount, currency },
      weighted: { amountMinor: Math.round(sum.weighted), currency },
      deals: sum.deals,
    })),
    wonRevenue: { lifetime: sums(lifetime), last12Months: sums(recent) },
    won,
    lost,
    open: deals.filter((deal) => deal.status === 'open').length,
    winRate: won + lost > 0 ? won / (won + lost) : null,
  };
};

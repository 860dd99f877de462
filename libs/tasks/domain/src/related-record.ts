import { AccountEvent, ContactEvent, LeadEvent, Money, OpportunityEvent, RelatedRecord } from '@crm/contracts';

/**
 * What the tasks context knows of a lead, an opportunity, an account or a contact, learned from the
 * events of the context that owns it: who owns it, and what assignment rules look at.
 */
export type RelatedRecordFacts = {
  ownerId?: string;
  /** A contact's account: a contact has no region of its own, and may have no owner, so it takes its account's. */
  accountId?: string;
  region?: string;
  productLine?: string;
  value?: Money;
  stage?: string;
};

/** Another context's event as this context receives it. */
export type ForeignEvent = { type: string; data: unknown };

/**
 * The record a lead or opportunity event is about, and how it changes what this context knows.
 * LeadConverted names the opportunity it opens: it carries the region, which no opportunity event
 * does, so it is folded into the opportunity's facts.
 */
export const relatedFactsChange = (event: ForeignEvent): { record: RelatedRecord; apply: (facts: RelatedRecordFacts) => RelatedRecordFacts } | undefined => {
  const known = event as LeadEvent | OpportunityEvent | AccountEvent | ContactEvent;
  switch (known.type) {
    case 'LeadCaptured': {
      const { leadId, ownerId, region, productInterest, estimatedValue } = known.data;
      return {
        record: { type: 'lead', id: leadId },
        apply: (facts) => defined({ ...facts, ownerId, region, productLine: productInterest, value: estimatedValue }),
      };
    }
    case 'LeadAssigned':
      return { record: { type: 'lead', id: known.data.leadId }, apply: (facts) => ({ ...facts, ownerId: known.data.ownerId }) };
    case 'LeadUpdated': {
      const { region, productInterest, estimatedValue } = known.data.changes;
      return {
        record: { type: 'lead', id: known.data.leadId },
        apply: (facts) => ({
          ...facts,
          ...(region !== undefined ? { region } : {}),
          ...(productInterest !== undefined ? { productLine: productInterest } : {}),
          ...(estimatedValue !== undefined ? { value: estimatedValue } : {}),
        }),
      };
    }
    case 'LeadConverted': {
      const { opportunityId, ownerId, region, productType, amount } = known.data;
      // The opportunity's own events win: only fill what is not known yet.
      return {
        record: { type: 'opportunity', id: opportunityId },
        apply: (facts) => defined({ ownerId, region, productLine: productType, value: amount, ...defined(facts) }),
      };
    }
    case 'OpportunityOpened': {
      const { opportunityId, ownerId, productType, amount, stage } = known.data;
      return { record: { type: 'opportunity', id: opportunityId }, apply: (facts) => ({ ...facts, ownerId, productLine: productType, value: amount, stage }) };
    }
    case 'OpportunityUpdated': {
      const { ownerId, amount } = known.data.changes;
      return {
        record: { type: 'opportunity', id: known.data.opportunityId },
        apply: (facts) => ({ ...facts, ...(ownerId !== undefined ? { ownerId } : {}), ...(amount !== undefined ? { value: amount } : {}) }),
      };
    }
    case 'OpportunityStageChanged':
      return { record: { type: 'opportunity', id: known.data.opportunityId }, apply: (facts) => ({ ...facts, stage: known.data.to }) };
    case 'OpportunityReopened':
      return { record: { type: 'opportunity', id: known.data.opportunityId }, apply: (facts) => ({ ...facts, stage: known.data.stage }) };
    case 'AccountCreated': {
      const { accountId, ownerId, region } = known.data;
      return { record: { type: 'account', id: accountId }, apply: (facts) => defined({ ...facts, ownerId, region }) };
    }
    case 'AccountUpdated': {
      const { ownerId, region } = known.data.changes;
      return { record: { type: 'account', id: known.data.accountId }, apply: (facts) => ({ ...facts, ...defined({ ownerId, region }) }) };
    }
    case 'ContactCreated': {
      const { contactId, ownerId, accountId } = known.data;
      return { record: { type: 'contact', id: contactId }, apply: (facts) => defined({ ...facts, ownerId, accountId }) };
    }
    case 'ContactUpdated': {
      const { ownerId, accountId } = known.data.changes;
      return { record: { type: 'contact', id: known.data.contactId }, apply: (facts) => ({ ...facts, ...defined({ ownerId, accountId }) }) };
    }
    default:
      // The other events of those contexts say nothing about ownership or assignment criteria;
      // new ones are ignored until this context has a use for them.
      return undefined;
  }
};

/** Folds a related record's own stream into its facts (when the read model has not seen it yet). */
export const foldRelatedFacts = (record: RelatedRecord, events: readonly ForeignEvent[]): RelatedRecordFacts =>
  events.reduce<RelatedRecordFacts>((facts, event) => {
    const change = relatedFactsChange(event);
    return change && change.record.type === record.type && change.record.id === record.id ? change.apply(facts) : facts;
  }, {});

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

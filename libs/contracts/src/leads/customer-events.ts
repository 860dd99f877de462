import { EventData } from '../envelope';
import { Money } from '../money';
import { AttributeValue } from './lead-events';

/**
 * Customers: the account (the company) and its contacts (the people). They live in the leads
 * context (lead -> customer is one lifecycle) as their own aggregates, in `account-<uuid>` and
 * `contact-<uuid>` streams, published on the leads topic.
 */
export type AccountProfile = {
  name: string;
  /** The company's web domain, normalised (lower case, no scheme, no `www.`): the dedupe key. */
  domain?: string;
  industry?: string;
  companySize?: number;
  annualRevenue?: Money;
  country?: string;
  region?: string;
  attributes?: Record<string, AttributeValue>;
};

export type AccountChanges = Partial<AccountProfile> & { ownerId?: string };

export type AccountCreated = EventData<
  'AccountCreated',
  AccountProfile & {
    accountId: string;
    ownerId?: string;
    /** The converted lead that created the account, when a conversion did. */
    leadId?: string;
  }
>;
export type AccountUpdated = EventData<'AccountUpdated', { accountId: string; changes: AccountChanges }>;
export type AccountMerged = EventData<'AccountMerged', { accountId: string; duplicateId: string }>;
export type AccountMergedInto = EventData<'AccountMergedInto', { accountId: string; survivorId: string }>;

export type AccountEvent = AccountCreated | AccountUpdated | AccountMerged | AccountMergedInto;

/** A contact's personal fields (`name`, `email`, `phone`) are sealed exactly as a lead's are. */
export type ContactProfile = {
  name: string;
  email?: string;
  phone?: string;
  title?: string;
};

export type ContactChanges = Partial<ContactProfile> & { accountId?: string; ownerId?: string };

export type ContactCreated = EventData<
  'ContactCreated',
  ContactProfile & {
    contactId: string;
    accountId?: string;
    ownerId?: string;
    /** The converted lead the contact came from, when a conversion created it. */
    leadId?: string;
  }
>;
export type ContactUpdated = EventData<'ContactUpdated', { contactId: string; changes: ContactChanges }>;
export type ContactMerged = EventData<'ContactMerged', { contactId: string; duplicateId: string }>;
export type ContactMergedInto = EventData<'ContactMergedInto', { contactId: string; survivorId: string }>;
/** GDPR erasure of the person: the key that sealed the contact's personal fields is gone. */
export type ContactErased = EventData<'ContactErased', { contactId: string }>;

export type ContactEvent = ContactCreated | ContactUpdated | ContactMerged | ContactMergedInto | ContactErased;

export type PersonalContactField = 'name' | 'email' | 'phone';

/**
 * Where contact events carry personal fields; sealed under a key per contact (the subject is the
 * `contactId`), in the same way and the same key table as `personalLeadFields`.
 */
export const personalContactFields: Partial<Record<ContactEvent['type'], { in?: 'changes'; fields: readonly PersonalContactField[] }>> = {
  ContactCreated: { fields: ['name', 'email', 'phone'] },
  ContactUpdated: { in: 'changes', fields: ['name', 'email', 'phone'] },
};

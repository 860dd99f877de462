import { AccountChanges, AccountEvent, AccountProfile, ContactChanges, ContactEvent, ContactProfile, streamId } from '@crm/contracts';
import { CommandRejected, Decider, sameValue } from '@crm/event-sourcing';
import { normalizeCompanyName, normalizeDomain, normalizeEmail } from './normalize';

/** The streams holding account and contact aggregates. */
export const accountStreamId = (id: string): string => streamId('account', id);
export const contactStreamId = (id: string): string => streamId('contact', id);

// ---------------------------------------------------------------------------------------------
// Dedupe: which keys make two accounts (or two contacts) one customer.

export type AccountKey = { kind: 'domain' | 'name'; value: string };
export type PersonKey = { kind: 'email' | 'phone'; value: string };

/** An account collides with another of the tenant on its normalised domain or its normalised name. */
export const accountKeysOf = (profile: Partial<AccountProfile>): AccountKey[] => {
  const domain = profile.domain ? normalizeDomain(profile.domain) : null;
  const name = profile.name ? normalizeCompanyName(profile.name) : '';
  return [...(domain ? [{ kind: 'domain' as const, value: domain }] : []), ...(name ? [{ kind: 'name' as const, value: name }] : [])];
};

/** As leads: a contact collides on its normalised e-mail or (already E.164) phone. */
export const contactKeysOf = (profile: Partial<ContactProfile>): PersonKey[] => [
  ...(profile.email ? [{ kind: 'email' as const, value: normalizeEmail(profile.email) }] : []),
  ...(profile.phone ? [{ kind: 'phone' as const, value: profile.phone }] : []),
];

/** The keys an update adds, and the ones it gives up (so that another customer may take them). */
export const keyChanges = <K extends { kind: string; value: string }>(before: K[], after: K[]): { added: K[]; removed: K[] } => ({
  added: after.filter((key) => !before.some((old) => old.kind === key.kind && old.value === key.value)),
  removed: before.filter((old) => after.some((key) => key.kind === old.kind && key.value !== old.value)),
});

// ---------------------------------------------------------------------------------------------
// Accounts

export type OpenAccount = {
  exists: true;
  accountId: string;
  profile: AccountProfile;
  ownerId?: string;
  createdAt: string;
  leadId?: string;
  mergedInto?: string;
  mergedAccounts: string[];
};
export type AccountState = { exists: false } | OpenAccount;

export type CreateAccount = { type: 'CreateAccount'; accountId: string; profile: AccountProfile; ownerId?: string; leadId?: string; occurredAt: string };
export type UpdateAccount = { type: 'UpdateAccount'; changes: AccountChanges };
export type MergeAccount = { type: 'MergeAccount'; duplicateId: string; duplicate: AccountState };
export type MarkAccountMergedInto = { type: 'MarkAccountMergedInto'; survivorId: string };
export type AccountCommand = CreateAccount | UpdateAccount | MergeAccount | MarkAccountMergedInto;

const existingAccount = (state: AccountState): OpenAccount => {
  if (!state.exists) throw new CommandRejected('not_found', 'account-not-found', 'no such account');
  if (state.mergedInto) throw new CommandRejected('conflict', 'account-merged', `the account was merged into ${state.mergedInto}`, { mergedInto: state.mergedInto });
  return state;
};

/** Only the fields whose value differs from the current one. */
const changed = <T extends object>(current: Partial<T>, changes: Partial<T>): Partial<T> =>
  Object.fromEntries(Object.entries(changes).filter(([key, value]) => value !== undefined && !sameValue(current[key as keyof T], value))) as Partial<T>;

/** The survivor's gaps filled from the duplicate; the survivor's own values win. */
const gapsFilled = <T extends object>(survivor: Partial<T>, duplicate: Partial<T>): Partial<T> =>
  Object.fromEntries(Object.entries(duplicate).filter(([key, value]) => value !== undefined && value !== null && survivor[key as keyof T] === undefined)) as Partial<T>;

export const decideAccount = (command: AccountCommand, state: AccountState): AccountEvent[] => {
  if (command.type === 'CreateAccount') {
    if (state.exists) throw new CommandRejected('conflict', 'account-exists', 'the account already exists');
    return [
      {
        type: 'AccountCreated',
        occurredAt: command.occurredAt,
        data: {
          accountId: command.accountId,
          ...command.profile,
          ...(command.ownerId ? { ownerId: command.ownerId } : {}),
          ...(command.leadId ? { leadId: command.leadId } : {}),
        },
      },
    ];
  }
  const account = existingAccount(state);
  switch (command.type) {
    case 'UpdateAccount': {
      const changes: AccountChanges = changed<AccountChanges>({ ...account.profile, ownerId: account.ownerId }, command.changes);
      return Object.keys(changes).length ? [{ type: 'AccountUpdated', data: { accountId: account.accountId, changes } }] : [];
    }
    case 'MergeAccount': {
      if (command.duplicateId === account.accountId) throw new CommandRejected('invalid', 'merge-into-itself', 'an account cannot be merged into itself');
      if (account.mergedAccounts.includes(command.duplicateId)) return [];
      if (!command.duplicate.exists) throw new CommandRejected('not_found', 'account-not-found', 'no such duplicate account', { duplicateId: command.duplicateId });
      if (command.duplicate.mergedInto) {
        throw new CommandRejected('conflict', 'account-merged', `the duplicate was already merged into ${command.duplicate.mergedInto}`, { mergedInto: command.duplicate.mergedInto });
      }
      // The name is the survivor's by definition; only its other gaps are filled.
      const { name: _name, ...rest } = command.duplicate.profile;
      const fill: AccountChanges = { ...gapsFilled<AccountProfile>(account.profile, rest), ...(account.ownerId || !command.duplicate.ownerId ? {} : { ownerId: command.duplicate.ownerId }) };
      return [
        { type: 'AccountMerged', data: { accountId: account.accountId, duplicateId: command.duplicateId } },
        ...(Object.keys(fill).length ? [{ type: 'AccountUpdated' as const, data: { accountId: account.accountId, changes: fill } }] : []),
      ];
    }
    case 'MarkAccountMergedInto':
      return [{ type: 'AccountMergedInto', data: { accountId: account.accountId, survivorId: command.survivorId } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
};

export const evolveAccount = (state: AccountState, event: AccountEvent & { occurredAt?: string }): AccountState => {
  if (event.type === 'AccountCreated') {
    const { accountId, ownerId, leadId, ...profile } = event.data;
    return { exists: true, accountId, profile, ownerId, leadId, createdAt: event.occurredAt ?? '', mergedAccounts: [] };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'AccountUpdated': {
      const { ownerId, ...profile } = event.data.changes;
      return { ...state, profile: { ...state.profile, ...profile }, ...(ownerId !== undefined ? { ownerId } : {}) };
    }
    case 'AccountMerged':
      return { ...state, mergedAccounts: [...state.mergedAccounts, event.data.duplicateId] };
    case 'AccountMergedInto':
      return { ...state, mergedInto: event.data.survivorId };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
};

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: () => ({ exists: false }),
};

// ---------------------------------------------------------------------------------------------
// Contacts

/** A contact as folded: the personal fields are absent once shredded or erased. */
export type KnownContactProfile = Omit<ContactProfile, 'name'> & { name?: string };

export type OpenContact = {
  exists: true;
  contactId: string;
  profile: KnownContactProfile;
  accountId?: string;
  ownerId?: string;
  leadId?: string;
  createdAt: string;
  mergedInto?: string;
  mergedContacts: string[];
  erased?: true;
};
export type ContactState = { exists: false } | OpenContact;

export type CreateContact = {
  type: 'CreateContact';
  contactId: string;
  profile: ContactProfile;
  accountId?: string;
  ownerId?: string;
  leadId?: string;
  occurredAt: string;
};
export type UpdateContact = { type: 'UpdateContact'; changes: ContactChanges };
export type MergeContact = { type: 'MergeContact'; duplicateId: string; duplicate: ContactState };
export type MarkContactMergedInto = { type: 'MarkContactMergedInto'; survivorId: string };
export type EraseContact = { type: 'EraseContact' };
export type ContactCommand = CreateContact | UpdateContact | MergeContact | MarkContactMergedInto | EraseContact;

const personalContactFields = ['name', 'email', 'phone'] as const;

const existingContact = (state: ContactState): OpenContact => {
  if (!state.exists) throw new CommandRejected('not_found', 'contact-not-found', 'no such contact');
  if (state.mergedInto) throw new CommandRejected('conflict', 'contact-merged', `the contact was merged into ${state.mergedInto}`, { mergedInto: state.mergedInto });
  return state;
};

const erasedContact = (contact: OpenContact, action: string): never => {
  throw new CommandRejected('conflict', 'contact-erased', `cannot ${action}: the person behind this contact was erased`, { contactId: contact.contactId });
};

const withoutNulls = <T extends object>(values: T): T => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined)) as T;
const withoutPersonalFields = <T extends object>(values: T): T =>
  Object.fromEntries(Object.entries(values).filter(([key]) => !(personalContactFields as readonly string[]).includes(key))) as T;

export const decideContact = (command: ContactCommand, state: ContactState): ContactEvent[] => {
  if (command.type === 'CreateContact') {
    if (state.exists) throw new CommandRejected('conflict', 'contact-exists', 'the contact already exists');
    return [
      {
        type: 'ContactCreated',
        occurredAt: command.occurredAt,
        data: {
          contactId: command.contactId,
          ...command.profile,
          ...(command.accountId ? { accountId: command.accountId } : {}),
          ...(command.ownerId ? { ownerId: command.ownerId } : {}),
          ...(command.leadId ? { leadId: command.leadId } : {}),
        },
      },
    ];
  }
  if (command.type === 'EraseContact') {
    if (!state.exists) throw new CommandRejected('not_found', 'contact-not-found', 'no such contact');
    return state.erased ? [] : [{ type: 'ContactErased', data: { contactId: state.contactId } }];
  }
  const contact = existingContact(state);
  switch (command.type) {
    case 'UpdateContact': {
      if (contact.erased && personalContactFields.some((field) => command.changes[field] !== undefined)) erasedContact(contact, 'set personal fields');
      const changes: ContactChanges = changed<ContactChanges>({ ...contact.profile, accountId: contact.accountId, ownerId: contact.ownerId }, command.changes);
      return Object.keys(changes).length ? [{ type: 'ContactUpdated', data: { contactId: contact.contactId, changes } }] : [];
    }
    case 'MergeContact': {
      if (command.duplicateId === contact.contactId) throw new CommandRejected('invalid', 'merge-into-itself', 'a contact cannot be merged into itself');
      if (contact.erased) erasedContact(contact, 'merge into it');
      if (contact.mergedContacts.includes(command.duplicateId)) return [];
      if (!command.duplicate.exists) throw new CommandRejected('not_found', 'contact-not-found', 'no such duplicate contact', { duplicateId: command.duplicateId });
      if (command.duplicate.mergedInto) {
        throw new CommandRejected('conflict', 'contact-merged', `the duplicate was already merged into ${command.duplicate.mergedInto}`, { mergedInto: command.duplicate.mergedInto });
      }
      const duplicate = command.duplicate;
      const fill: ContactChanges = {
        ...gapsFilled<KnownContactProfile>(contact.profile, duplicate.profile),
        ...(contact.accountId || !duplicate.accountId ? {} : { accountId: duplicate.accountId }),
        ...(contact.ownerId || !duplicate.ownerId ? {} : { ownerId: duplicate.ownerId }),
      };
      return [
        { type: 'ContactMerged', data: { contactId: contact.contactId, duplicateId: command.duplicateId } },
        ...(Object.keys(fill).length ? [{ type: 'ContactUpdated' as const, data: { contactId: contact.contactId, changes: fill } }] : []),
      ];
    }
    case 'MarkContactMergedInto':
      return [{ type: 'ContactMergedInto', data: { contactId: contact.contactId, survivorId: command.survivorId } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
};

export const evolveContact = (state: ContactState, event: ContactEvent & { occurredAt?: string }): ContactState => {
  if (event.type === 'ContactCreated') {
    const { contactId, accountId, ownerId, leadId, ...profile } = event.data;
    return { exists: true, contactId, profile: withoutNulls(profile), accountId, ownerId, leadId, createdAt: event.occurredAt ?? '', mergedContacts: [] };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'ContactUpdated': {
      const { accountId, ownerId, ...profile } = withoutNulls(event.data.changes);
      return {
        ...state,
        profile: { ...state.profile, ...(state.erased ? withoutPersonalFields(profile) : profile) },
        ...(accountId !== undefined ? { accountId } : {}),
        ...(ownerId !== undefined ? { ownerId } : {}),
      };
    }
    case 'ContactMerged':
      return { ...state, mergedContacts: [...state.mergedContacts, event.data.duplicateId] };
    case 'ContactMergedInto':
      return { ...state, mergedInto: event.data.survivorId };
    case 'ContactErased':
      return { ...state, profile: withoutPersonalFields(state.profile), erased: true };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
};

export const contactDecider: Decider<ContactCommand, ContactEvent, ContactState> = {
  decide: decideContact,
  evolve: evolveContact,
  initialState: () => ({ exists: false }),
};

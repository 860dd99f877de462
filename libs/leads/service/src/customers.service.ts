import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccountChanges, AccountEvent, AccountProfile, ContactChanges, ContactEvent, ContactProfile, EventEnvelope, parseMoney } from '@crm/contracts';
import { CommandContext, CommandRejected, createCommandHandler, EventStore, Subscription } from '@crm/event-sourcing';
import {
  AccountCommand,
  accountDecider,
  accountKeysOf,
  AccountState,
  accountStreamId,
  ContactCommand,
  contactDecider,
  contactKeysOf,
  ContactState,
  contactStreamId,
  keyChanges,
  normalizeDomain,
  normalizePhone,
  OpenAccount,
  OpenContact,
  OpenLead,
} from '@crm/leads-domain';
import { AccessScope, accessScope, applyScope, EVENT_STORE, inScope, PG_POOL, readDirectory, RequestActor, sqlConditions } from '@crm/platform';
import { Pool } from 'pg';
import { ContactKey, ContactKeys } from './contact-keys';
import { CreateAccountDto, CreateContactDto, UpdateAccountDto, UpdateContactDto } from './http/customer.dto';
import { ensureLeadsSchema } from './leads.schema';
import { pgPersonKeys } from './personal-data/person-keys';
import { PersonalDataCipher } from './personal-data/personal-data.cipher';
import { sealingEventStore } from './personal-data/sealing-event-store';
import { SqlExecutorLike } from './types';

export type AccountResult = { state: OpenAccount; revision: number; position: number | null };
export type ContactResult = { state: OpenContact; revision: number; position: number | null };

const accountNotFound = () => new CommandRejected('not_found', 'account-not-found', 'no such account');
const contactNotFound = () => new CommandRejected('not_found', 'contact-not-found', 'no such contact');

/**
 * Customers of the leads context: accounts (companies) and contacts (people), each its own
 * aggregate. Duplicates are refused race-free by reserving their normalised keys (domain and name
 * for accounts; e-mail and phone for contacts, as leads) before the create is appended. Contact
 * events are sealed like lead events: the same cipher, a key per contact.
 */
@Injectable()
export class CustomersService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CustomersService');
  private readonly sealedStore: EventStore;
  private readonly cipher: PersonalDataCipher;
  private readonly handleAccount: ReturnType<typeof createCommandHandler<AccountCommand, AccountEvent, AccountState>>;
  private readonly handleContact: ReturnType<typeof createCommandHandler<ContactCommand, ContactEvent, ContactState>>;
  private readonly accountKeys: ContactKeys;
  private readonly personKeys: ContactKeys;
  viewSubscription?: Subscription;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    this.cipher = new PersonalDataCipher(pgPersonKeys(pool));
    this.sealedStore = sealingEventStore(store, this.cipher);
    this.handleAccount = createCommandHandler(this.sealedStore, accountDecider);
    this.handleContact = createCommandHandler(this.sealedStore, contactDecider);
    this.accountKeys = new ContactKeys(pool, store, 'leads.account_keys', 'account_id', accountStreamId);
    this.personKeys = new ContactKeys(pool, store, 'leads.contact_person_keys', 'contact_id', contactStreamId);
  }

  async onModuleInit(): Promise<void> {
    await ensureLeadsSchema(this.pool);
    this.viewSubscription = await this.store.subscribe({
      name: 'leads.customer-view',
      categories: ['account', 'contact'],
      handler: async (events, { tx }) => {
        if (!tx) throw new Error('the customer view needs a transactional subscription');
        await projectCustomerEvents(await new PersonalDataCipher(pgPersonKeys(tx)).openEvents(events), tx);
      },
      onError: (error, attempt) => this.logger.error(`customer view failed (attempt ${attempt}): ${(error as Error).message}`),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.viewSubscription?.stop();
  }

  // --- accounts -------------------------------------------------------------------------------

  async createAccount(dto: CreateAccountDto, context: CommandContext, origin: { accountId?: string; leadId?: string } = {}): Promise<AccountResult & { accountId: string }> {
    const accountId = origin.accountId ?? randomUUID();
    const profile = toAccountChanges(dto) as AccountProfile;
    const tenantId = context.metadata.tenantId;
    const reservation = await this.accountKeys.reserve(tenantId, accountId, accountKeysOf(profile));
    if (!reservation.ok) throw await this.duplicateAccount(reservation.existingLeadId, reservation.key);
    try {
      const result = await this.handleAccount(
        accountStreamId(accountId),
        { type: 'CreateAccount', accountId, profile, ownerId: dto.ownerId, leadId: origin.leadId, occurredAt: context.now },
        { ...context, expectedRevision: undefined },
      );
      return { accountId, ...asAccount(result) };
    } catch (error) {
      await reservation.release();
      throw error;
    }
  }

  /** The account holding a dedupe key, followed through merges; undefined when none does. */
  async findAccount(tenantId: string, profile: Partial<AccountProfile>): Promise<string | undefined> {
    for (const key of accountKeysOf(profile)) {
      const holder = await this.accountKeys.holderOf(tenantId, key);
      if (holder) return this.accountSurvivor(holder, tenantId);
    }
    return undefined;
  }

  async getAccount(accountId: string, tenantId: string): Promise<{ state: OpenAccount; revision: number; events: EventEnvelope[] }> {
    const { events, revision } = await this.sealedStore.readStream(accountStreamId(accountId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw accountNotFound();
    const state = events.reduce<AccountState>((s, event) => accountDecider.evolve(s, event as never), accountDecider.initialState());
    if (!state.exists) throw accountNotFound();
    return { state, revision, events };
  }

  /** What the caller may see of the tenant's accounts and contacts (by ownerId), from the leads context's team directory. */
  async scopeOf(actor: RequestActor): Promise<AccessScope> {
    return accessScope(actor, await readDirectory(this.pool, 'leads.team_members', actor.tenantId));
  }

  /** The account, when the caller may see it: another owner's is a 404 like another tenant's. */
  async getAccountFor(accountId: string, actor: RequestActor): Promise<{ state: OpenAccount; revision: number; events: EventEnvelope[] }> {
    const found = await this.getAccount(accountId, actor.tenantId);
    if (!inScope(await this.scopeOf(actor), { ownerId: found.state.ownerId })) throw accountNotFound();
    return found;
  }

  /**
   * Refuses an `accountId` in a request (a contact's account, a conversion's) that names an account
   * the caller may not see exactly as one that names no account: 422 unknown-account.
   */
  async assertAccountVisible(accountId: string, actor: RequestActor): Promise<void> {
    await this.getAccountFor(accountId.toLowerCase(), actor).catch((error: unknown) => Promise.reject(error instanceof CommandRejected && error.kind === 'not_found' ? unknownAccount() : error));
  }

  /** The contact, when the caller may see it: another owner's is a 404 like another tenant's. */
  async getContactFor(contactId: string, actor: RequestActor): Promise<{ state: OpenContact; revision: number; events: EventEnvelope[] }> {
    const found = await this.getContact(contactId, actor.tenantId);
    if (!inScope(await this.scopeOf(actor), { ownerId: found.state.ownerId })) throw contactNotFound();
    return found;
  }

  async updateAccount(accountId: string, dto: UpdateAccountDto, context: CommandContext): Promise<AccountResult> {
    const tenantId = context.metadata.tenantId;
    const changes = toAccountChanges(dto);
    const before = await this.getAccount(accountId, tenantId);
    const { added, removed } = keyChanges(accountKeysOf(before.state.profile), accountKeysOf({ ...before.state.profile, ...changes }));
    const reservation = await this.accountKeys.reserve(tenantId, accountId, added);
    if (!reservation.ok) throw await this.duplicateAccount(reservation.existingLeadId, reservation.key);
    try {
      const result = asAccount(await this.handleAccount(accountStreamId(accountId), { type: 'UpdateAccount', changes }, context));
      await this.accountKeys.replace(tenantId, accountId, removed);
      return result;
    } catch (error) {
      await reservation.release();
      throw error;
    }
  }

  /** Merges `duplicateId` into `accountId`: the duplicate is closed and points at the survivor; its contacts move. */
  async mergeAccount(accountId: string, duplicateId: string, context: CommandContext): Promise<AccountResult> {
    const tenantId = context.metadata.tenantId;
    let duplicate: AccountState = { exists: false };
    try {
      duplicate = (await this.getAccount(duplicateId, tenantId)).state;
    } catch (error) {
      if (!(error instanceof CommandRejected && error.kind === 'not_found')) throw error;
    }
    const result = await this.runAccount(accountId, context, { type: 'MergeAccount', duplicateId, duplicate });
    const system = { ...context, expectedRevision: undefined };
    await this.runAccount(duplicateId, system, { type: 'MarkAccountMergedInto', survivorId: accountId }).catch((error: unknown) => {
      if (!(error instanceof CommandRejected && error.code === 'account-merged')) throw error;
    });
    await this.viewSubscription?.waitFor(result.position ?? 0, 10_000).catch(() => undefined);
    const { rows } = await this.pool.query<{ contact_id: string }>('SELECT contact_id FROM leads.contact_view WHERE tenant_id = $1 AND account_id = $2 AND merged_into IS NULL', [tenantId, duplicateId]);
    for (const { contact_id: contactId } of rows) await this.runContact(contactId, system, { type: 'UpdateContact', changes: { accountId } });
    return result;
  }

  // --- contacts -------------------------------------------------------------------------------

  async createContact(dto: CreateContactDto, context: CommandContext, origin: { leadId?: string } = {}): Promise<ContactResult & { contactId: string }> {
    const contactId = randomUUID();
    const tenantId = context.metadata.tenantId;
    const { accountId, ownerId, ...profile } = toContactChanges(dto);
    if (accountId) await this.getAccount(accountId, tenantId).catch(() => Promise.reject(unknownAccount()));
    const reservation = await this.personKeys.reserve(tenantId, contactId, contactKeysOf(profile));
    if (!reservation.ok) throw await this.duplicateContact(reservation.existingLeadId, reservation.key, tenantId);
    try {
      const result = await this.handleContact(
        contactStreamId(contactId),
        { type: 'CreateContact', contactId, profile: profile as ContactProfile, accountId, ownerId, leadId: origin.leadId, occurredAt: context.now },
        { ...context, expectedRevision: undefined },
      );
      return { contactId, ...asContact(result) };
    } catch (error) {
      await reservation.release();
      throw error;
    }
  }

  /** The contact holding one of these e-mail or phone keys, followed through merges. */
  async findContact(tenantId: string, profile: Partial<ContactProfile>): Promise<string | undefined> {
    for (const key of contactKeysOf(profile)) {
      const holder = await this.personKeys.holderOf(tenantId, key);
      if (holder) return this.contactSurvivor(holder, tenantId);
    }
    return undefined;
  }

  async getContact(contactId: string, tenantId: string): Promise<{ state: OpenContact; revision: number; events: EventEnvelope[] }> {
    const { events, revision } = await this.sealedStore.readStream(contactStreamId(contactId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw contactNotFound();
    const state = events.reduce<ContactState>((s, event) => contactDecider.evolve(s, event as never), contactDecider.initialState());
    if (!state.exists) throw contactNotFound();
    return { state, revision, events };
  }

  async updateContact(contactId: string, dto: UpdateContactDto, context: CommandContext): Promise<ContactResult> {
    const tenantId = context.metadata.tenantId;
    const changes = toContactChanges(dto);
    if (changes.accountId) await this.getAccount(changes.accountId, tenantId).catch(() => Promise.reject(unknownAccount()));
    const before = await this.getContact(contactId, tenantId);
    const { added, removed } = keyChanges(contactKeysOf(before.state.profile), contactKeysOf({ ...before.state.profile, ...changes }));
    const reservation = await this.personKeys.reserve(tenantId, contactId, added);
    if (!reservation.ok) throw await this.duplicateContact(reservation.existingLeadId, reservation.key, tenantId);
    try {
      const result = asContact(await this.handleContact(contactStreamId(contactId), { type: 'UpdateContact', changes }, context));
      await this.personKeys.replace(tenantId, contactId, removed);
      return result;
    } catch (error) {
      await reservation.release();
      throw error;
    }
  }

  async mergeContact(contactId: string, duplicateId: string, context: CommandContext): Promise<ContactResult> {
    const tenantId = context.metadata.tenantId;
    let duplicate: ContactState = { exists: false };
    try {
      duplicate = (await this.getContact(duplicateId, tenantId)).state;
    } catch (error) {
      if (!(error instanceof CommandRejected && error.kind === 'not_found')) throw error;
    }
    const result = await this.runContact(contactId, context, { type: 'MergeContact', duplicateId, duplicate });
    await this.runContact(duplicateId, { ...context, expectedRevision: undefined }, { type: 'MarkContactMergedInto', survivorId: contactId }).catch((error: unknown) => {
      if (!(error instanceof CommandRejected && error.code === 'contact-merged')) throw error;
    });
    return result;
  }

  /** GDPR erasure: records ContactErased, then shreds the contact's key and frees its dedupe keys. A repeat appends nothing. */
  async eraseContact(contactId: string, context: CommandContext): Promise<ContactResult> {
    const tenantId = context.metadata.tenantId;
    await this.getContact(contactId, tenantId);
    const result = await this.runContact(contactId, context, { type: 'EraseContact' });
    await this.cipher.erase(tenantId, contactId);
    await this.personKeys.forget(tenantId, contactId);
    return result;
  }

  /**
   * The account and contact a lead conversion links: the explicit account, else the account
   * holding the lead's company name, else a new one made from the lead's company fields (none when
   * the lead names no company); the contact holding the lead's e-mail or phone, else a new one.
   * A concurrent create that wins the dedupe race is linked instead.
   */
  async linkConversion(lead: OpenLead, explicitAccountId: string | undefined, context: CommandContext): Promise<{ accountId?: string; contactId?: string }> {
    const tenantId = context.metadata.tenantId;
    const command = { ...context, expectedRevision: undefined };
    let accountId: string | undefined;
    if (explicitAccountId) {
      await this.getAccount(explicitAccountId, tenantId).catch(() => Promise.reject(unknownAccount()));
      accountId = await this.accountSurvivor(explicitAccountId, tenantId);
    } else if (lead.profile.company) {
      const profile = { name: lead.profile.company };
      accountId = await this.findAccount(tenantId, profile);
      if (!accountId) {
        accountId = await this.createAccount(
          { ...profile, industry: lead.profile.industry, companySize: lead.profile.companySize, country: lead.profile.country, region: lead.profile.region, ownerId: lead.ownerId },
          command,
          { leadId: lead.leadId },
        ).then(
          (created) => created.accountId,
          (error: unknown) => existingOnConflict(error, 'existingAccountId'),
        );
      }
    }
    let contactId = await this.findContact(tenantId, { email: lead.profile.email, phone: lead.profile.phone });
    if (!contactId && lead.profile.name) {
      contactId = await this.createContact(
        { name: lead.profile.name, email: lead.profile.email, phone: lead.profile.phone, title: lead.profile.title, accountId, ownerId: lead.ownerId },
        command,
        { leadId: lead.leadId },
      ).then(
        (created) => created.contactId,
        (error: unknown) => existingOnConflict(error, 'existingContactId'),
      );
    }
    return { accountId, contactId };
  }

  // --- lists ----------------------------------------------------------------------------------

  async listAccounts(tenantId: string, options: { q?: string; ownerId?: string; industry?: string; region?: string; limit?: number; cursor?: unknown[]; scope?: AccessScope }) {
    const limit = options.limit ?? 25;
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    where.push('merged_into IS NULL');
    applyScope({ where, params }, options.scope, 'owner_id');
    if (options.ownerId) add((p) => `owner_id = ${p}`, options.ownerId);
    if (options.industry) add((p) => `lower(industry) = lower(${p})`, options.industry);
    if (options.region) add((p) => `lower(region) = lower(${p})`, options.region);
    if (options.q) add((p) => `(name ILIKE ${p} OR domain ILIKE ${p})`, like(options.q));
    if (options.cursor) {
      params.push(String(options.cursor[0]), String(options.cursor[1]));
      where.push(`(lower(name), account_id) > ($${params.length - 1}::text, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: OpenAccount; revision: string; sort: string; account_id: string }>(
      `SELECT state, revision, lower(name) AS sort, account_id FROM leads.account_view WHERE ${where.join(' AND ')}
       ORDER BY lower(name), account_id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map((row) => ({ state: row.state, revision: Number(row.revision) })), next: rows.length > limit && last ? [last.sort, last.account_id] : undefined };
  }

  async listContacts(tenantId: string, options: { accountId?: string; q?: string; limit?: number; cursor?: unknown[]; scope?: AccessScope }) {
    const limit = options.limit ?? 25;
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, tenantId);
    where.push('merged_into IS NULL');
    applyScope({ where, params }, options.scope, 'owner_id');
    if (options.accountId) add((p) => `account_id = ${p}::uuid`, options.accountId.toLowerCase());
    if (options.q) add((p) => `(name ILIKE ${p} OR email ILIKE ${p} OR phone ILIKE ${p})`, like(options.q));
    if (options.cursor) {
      params.push(String(options.cursor[0]), String(options.cursor[1]));
      where.push(`(created_at, contact_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ state: OpenContact; revision: string; created_at: Date; contact_id: string }>(
      `SELECT state, revision, created_at, contact_id FROM leads.contact_view WHERE ${where.join(' AND ')}
       ORDER BY created_at, contact_id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ state: row.state, revision: Number(row.revision) })),
      next: rows.length > limit && last ? [last.created_at.toISOString(), last.contact_id] : undefined,
    };
  }

  // --- helpers --------------------------------------------------------------------------------

  private async runAccount(accountId: string, context: CommandContext, command: AccountCommand): Promise<AccountResult> {
    await this.getAccount(accountId, context.metadata.tenantId);
    return asAccount(await this.handleAccount(accountStreamId(accountId), command, context));
  }

  private async runContact(contactId: string, context: CommandContext, command: ContactCommand): Promise<ContactResult> {
    await this.getContact(contactId, context.metadata.tenantId);
    return asContact(await this.handleContact(contactStreamId(contactId), command, context));
  }

  private async duplicateAccount(existingId: string, key: ContactKey): Promise<CommandRejected> {
    const { rows } = await this.pool.query<{ tenant_id: string }>('SELECT tenant_id FROM leads.account_view WHERE account_id = $1', [existingId]);
    const existing = rows[0] ? await this.accountSurvivor(existingId, rows[0].tenant_id) : existingId;
    return new CommandRejected('conflict', 'duplicate-account', `an account with this ${key.kind} already exists`, { existingAccountId: existing, field: key.kind });
  }

  private async duplicateContact(existingId: string, key: ContactKey, tenantId: string): Promise<CommandRejected> {
    return new CommandRejected('conflict', 'duplicate-contact', `a contact with this ${key.kind} already exists`, {
      existingContactId: await this.contactSurvivor(existingId, tenantId),
      field: key.kind,
    });
  }

  private async accountSurvivor(accountId: string, tenantId: string): Promise<string> {
    let current = accountId;
    for (let hops = 0; hops < 10; hops++) {
      const state = await this.getAccount(current, tenantId).then((found) => found.state, () => undefined);
      if (!state?.mergedInto) return current;
      current = state.mergedInto;
    }
    return current;
  }

  private async contactSurvivor(contactId: string, tenantId: string): Promise<string> {
    let current = contactId;
    for (let hops = 0; hops < 10; hops++) {
      const state = await this.getContact(current, tenantId).then((found) => found.state, () => undefined);
      if (!state?.mergedInto) return current;
      current = state.mergedInto;
    }
    return current;
  }
}

const existingOnConflict = (error: unknown, field: 'existingAccountId' | 'existingContactId'): string => {
  const existing = error instanceof CommandRejected ? (error.details as Record<string, unknown> | undefined)?.[field] : undefined;
  if (typeof existing === 'string') return existing;
  throw error;
};

const unknownAccount = () => new CommandRejected('invalid', 'unknown-account', 'accountId names no account of this tenant', { field: 'accountId' });

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const asAccount = (result: { state: AccountState; revision: number; position: number | null }): AccountResult => {
  if (!result.state.exists) throw accountNotFound();
  return { state: result.state, revision: result.revision, position: result.position };
};

const asContact = (result: { state: ContactState; revision: number; position: number | null }): ContactResult => {
  if (!result.state.exists) throw contactNotFound();
  return { state: result.state, revision: result.revision, position: result.position };
};

const toAccountChanges = (dto: Partial<CreateAccountDto & UpdateAccountDto>): AccountChanges => {
  const changes: AccountChanges = {};
  const text = (value: string | undefined) => (value === undefined ? undefined : value.trim());
  const set = <K extends keyof AccountChanges>(key: K, value: AccountChanges[K] | undefined) => {
    if (value !== undefined) changes[key] = value;
  };
  set('name', text(dto.name));
  set('domain', dto.domain === undefined ? undefined : (normalizeDomain(dto.domain) ?? undefined));
  set('industry', text(dto.industry));
  set('companySize', dto.companySize);
  if (dto.annualRevenue) set('annualRevenue', parseMoney(dto.annualRevenue.amount, dto.annualRevenue.currency) ?? undefined);
  set('country', text(dto.country));
  set('region', text(dto.region));
  set('attributes', dto.attributes);
  set('ownerId', dto.ownerId);
  return changes;
};

const toContactChanges = (dto: Partial<CreateContactDto & UpdateContactDto>): ContactChanges => {
  const changes: ContactChanges = {};
  const set = <K extends keyof ContactChanges>(key: K, value: ContactChanges[K] | undefined) => {
    if (value !== undefined) changes[key] = value;
  };
  set('name', dto.name?.trim());
  set('email', dto.email?.trim());
  set('phone', dto.phone === undefined ? undefined : (normalizePhone(dto.phone) ?? undefined));
  set('title', dto.title?.trim());
  set('accountId', dto.accountId?.toLowerCase());
  set('ownerId', dto.ownerId);
  return changes;
};

/** Folds account and contact events into their views inside the subscription's transaction (exactly once, with the checkpoint). */
export const projectCustomerEvents = async (events: EventEnvelope[], tx: SqlExecutorLike): Promise<void> => {
  for (const event of events) {
    if (event.streamId.startsWith('account-')) {
      const accountId = (event.data as { accountId: string }).accountId;
      const { rows } = await tx.query<{ state: AccountState }>('SELECT state FROM leads.account_view WHERE account_id = $1 FOR UPDATE', [accountId]);
      const state = accountDecider.evolve(rows[0]?.state ?? { exists: false }, { type: event.type, data: event.data, occurredAt: event.occurredAt } as never);
      if (!state.exists) continue;
      await tx.query(
        `INSERT INTO leads.account_view (account_id, tenant_id, name, domain, industry, region, owner_id, merged_into, created_at, revision, position, state)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
         ON CONFLICT (account_id) DO UPDATE SET name = EXCLUDED.name, domain = EXCLUDED.domain, industry = EXCLUDED.industry, region = EXCLUDED.region,
           owner_id = EXCLUDED.owner_id, merged_into = EXCLUDED.merged_into, revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
        [accountId, event.metadata.tenantId, state.profile.name, state.profile.domain ?? null, state.profile.industry ?? null, state.profile.region ?? null,
          state.ownerId ?? null, state.mergedInto ?? null, state.createdAt || event.occurredAt, event.revision, event.globalPosition, JSON.stringify(state)],
      );
    } else if (event.streamId.startsWith('contact-')) {
      const contactId = (event.data as { contactId: string }).contactId;
      const { rows } = await tx.query<{ state: ContactState }>('SELECT state FROM leads.contact_view WHERE contact_id = $1 FOR UPDATE', [contactId]);
      const state = contactDecider.evolve(rows[0]?.state ?? { exists: false }, { type: event.type, data: event.data, occurredAt: event.occurredAt } as never);
      if (!state.exists) continue;
      // An erasure in the log takes effect even if the process that recorded it died before shredding.
      if (event.type === 'ContactErased') {
        await pgPersonKeys(tx).erase(event.metadata.tenantId, contactId);
        await tx.query('DELETE FROM leads.contact_person_keys WHERE tenant_id = $1 AND contact_id = $2', [event.metadata.tenantId, contactId]);
      }
      await tx.query(
        `INSERT INTO leads.contact_view (contact_id, tenant_id, account_id, name, email, phone, owner_id, merged_into, erased, created_at, revision, position, state)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
         ON CONFLICT (contact_id) DO UPDATE SET account_id = EXCLUDED.account_id, name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
           owner_id = EXCLUDED.owner_id, merged_into = EXCLUDED.merged_into, erased = EXCLUDED.erased, revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
        [contactId, event.metadata.tenantId, state.accountId ?? null, state.profile.name ?? null, state.profile.email ?? null, state.profile.phone ?? null,
          state.ownerId ?? null, state.mergedInto ?? null, state.erased === true, state.createdAt || event.occurredAt, event.revision, event.globalPosition, JSON.stringify(state)],
      );
    }
  }
};

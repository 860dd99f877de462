import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEnvelope, LeadEvent, LeadProfile, LeadSource, parseMoney, TeamMemberUpserted } from '@crm/contracts';
import { CommandContext, CommandRejected, createCommandHandler, derivedEventId, EventBus, EventStore, SqlExecutor, Subscription, WrongExpectedRevisionError } from '@crm/event-sourcing';
import {
  LeadCommand,
  leadDecider,
  LeadState,
  leadStreamId,
  normalizeEmail,
  normalizePhone,
  OpenLead,
  routeLead,
} from '@crm/leads-domain';
import { AccessScope, accessScope, EVENT_BUS, EVENT_STORE, inScope, PG_POOL, readDirectory, RequestActor, RequestValidationFailed } from '@crm/platform';
import { Pool } from 'pg';
import { ContactKey, ContactKeys } from './contact-keys';
import { CustomersService } from './customers.service';
import { CaptureLeadDto, ConvertLeadDto, RecordEngagementDto, UpdateLeadDto } from './http/lead.dto';
import { projectLeadEvents } from './lead-view.projection';
import { ensureLeadsSchema } from './leads.schema';
import { pgPersonKeys } from './personal-data/person-keys';
import { PersonalDataCipher } from './personal-data/personal-data.cipher';
import { sealingEventStore } from './personal-data/sealing-event-store';
import { ScoringModelService } from './scoring-model.service';
import { ScoringService } from './scoring.service';

export type LeadResult = { state: OpenLead; revision: number; position: number | null };
export type ErasureResult = LeadResult & { erasedLeadIds: string[] };

/** Commands of the leads context: dedupe, score, append; and the policies that react to events. */
@Injectable()
export class LeadsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LeadsService');
  private readonly handle: ReturnType<typeof createCommandHandler<LeadCommand, LeadEvent, LeadState>>;
  readonly contactKeys: ContactKeys;
  readonly scoring: ScoringService;
  readonly models: ScoringModelService;
  /** Seals and opens lead events' personal fields; the store below is what commands read and append through. */
  readonly cipher: PersonalDataCipher;
  private readonly sealedStore: EventStore;
  private subscriptions: Subscription[] = [];
  viewSubscription?: Subscription;
  /** The team directory's consumer (an @EventPattern in LeadsConsumers), once the consumers run. */
  private get teamSubscription(): Subscription | undefined {
    return this.bus.subscription(teamDirectoryConsumer);
  }

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Optional() @Inject(CustomersService) private readonly customers?: CustomersService,
  ) {
    this.cipher = new PersonalDataCipher(pgPersonKeys(pool));
    this.sealedStore = sealingEventStore(store, this.cipher);
    this.handle = createCommandHandler(this.sealedStore, leadDecider);
    this.contactKeys = new ContactKeys(pool, store);
    this.scoring = new ScoringService(store);
    this.models = new ScoringModelService(pool, store, this.scoring);
  }

  async onModuleInit(): Promise<void> {
    await ensureLeadsSchema(this.pool);
    await this.contactKeys.hashClearKeys();
    const onError = (name: string) => (error: unknown, attempt: number) => this.logger.error(`${name} failed (attempt ${attempt}): ${(error as Error).message}`);
    this.viewSubscription = await this.store.subscribe({
      name: 'leads.lead-view',
      categories: ['lead'],
      handler: async (events, { tx }) => {
        if (!tx) throw new Error('the lead view needs a transactional subscription');
        await projectLeadEvents(await new PersonalDataCipher(pgPersonKeys(tx)).openEvents(events), tx);
        await completeErasures(events, tx);
      },
      onError: onError('lead view'),
    });
    const routing = await this.store.subscribe({
      name: 'leads.routing',
      categories: ['lead'],
      startFrom: 'end',
      transactional: false,
      handler: async (events) => {
        for (const event of events) if (event.type === 'LeadCaptured' && !(event.data as { ownerId?: string }).ownerId) await this.route(event);
      },
      onError: onError('lead routing'),
    });
    // New rules or a new model rescore the tenant's open leads; event ids derive from the trigger,
    // so a redelivered trigger rescores nothing twice.
    const rescoring = await this.store.subscribe({
      name: 'leads.rescoring',
      categories: ['scoring'],
      startFrom: 'end',
      transactional: false,
      handler: async (events) => {
        for (const event of events) await this.rescoreOpenLeads(event);
      },
      onError: onError('rescoring'),
    });
    this.subscriptions = [this.viewSubscription, routing, rescoring];
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.stop()));
  }

  async capture(dto: CaptureLeadDto, context: CommandContext, allowDuplicate: boolean): Promise<LeadResult & { leadId: string }> {
    if (dto.email === undefined && dto.phone === undefined) {
      const message = ['one of email or phone is required'];
      throw new RequestValidationFailed([
        { field: 'email', messages: message },
        { field: 'phone', messages: message },
      ]);
    }
    const leadId = randomUUID();
    const profile = toProfile(dto);
    const tenantId = context.metadata.tenantId;
    const keys = contactKeysOf(profile);
    let possibleDuplicateOf: string | undefined;
    let release = async () => undefined as void;
    const reservation = await this.contactKeys.reserve(tenantId, leadId, keys);
    if (!reservation.ok) {
      const existing = await this.survivorOf(reservation.existingLeadId);
      if (!allowDuplicate) {
        throw new CommandRejected('conflict', 'duplicate-lead', `a lead with this ${reservation.key.kind} already exists`, {
          existingLeadId: existing,
          field: reservation.key.kind,
        });
      }
      possibleDuplicateOf = existing;
    } else {
      release = reservation.release;
    }
    const configuration = await this.scoring.configuration(tenantId);
    try {
      const result = await this.handle(
        leadStreamId(leadId),
        {
          type: 'CaptureLead',
          leadId,
          profile,
          source: dto.source as LeadSource,
          ownerId: dto.ownerId,
          possibleDuplicateOf,
          occurredAt: dto.occurredAt ? new Date(dto.occurredAt).toISOString() : context.now,
          scorer: this.scoring.scorer(configuration),
        },
        { ...context, expectedRevision: undefined },
      );
      return { leadId, ...asLead(result) };
    } catch (error) {
      await release();
      throw error;
    }
  }

  async get(leadId: string, tenantId: string): Promise<{ state: OpenLead; revision: number; events: EventEnvelope[] }> {
    const { events, revision } = await this.sealedStore.readStream(leadStreamId(leadId));
    if (events.length === 0 || events[0].metadata.tenantId !== tenantId) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
    let state: LeadState = leadDecider.initialState();
    for (const event of events) state = leadDecider.evolve(state, event as never);
    if (!state.exists) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
    return { state, revision, events };
  }

  /** What the caller may see of the tenant's leads (see the platform's record-access), from this context's team directory. */
  async scopeOf(actor: RequestActor): Promise<AccessScope> {
    return accessScope(actor, await readDirectory(this.pool, 'leads.team_members', actor.tenantId));
  }

  /** The lead, when the caller may see it: another owner's lead is a 404 like another tenant's (its existence is not revealed). */
  async getFor(leadId: string, actor: RequestActor): Promise<{ state: OpenLead; revision: number; events: EventEnvelope[] }> {
    const found = await this.get(leadId, actor.tenantId);
    if (!inScope(await this.scopeOf(actor), { ownerId: found.state.ownerId, unassignedRegion: found.state.profile.region })) {
      throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
    }
    return found;
  }

  async update(leadId: string, dto: UpdateLeadDto, context: CommandContext): Promise<LeadResult> {
    const changes = toProfile(dto);
    const tenantId = context.metadata.tenantId;
    const keys = contactKeysOf(changes);
    const before = keys.length ? await this.get(leadId, tenantId) : undefined;
    const reservation = keys.length ? await this.contactKeys.reserve(tenantId, leadId, keys) : undefined;
    if (reservation && !reservation.ok) {
      throw new CommandRejected('conflict', 'duplicate-lead', `a lead with this ${reservation.key.kind} already exists`, {
        existingLeadId: await this.survivorOf(reservation.existingLeadId),
        field: reservation.key.kind,
      });
    }
    try {
      const configuration = await this.scoring.configuration(tenantId);
      const result = asLead(await this.handle(leadStreamId(leadId), { type: 'UpdateLead', changes, occurredAt: context.now, scorer: this.scoring.scorer(configuration) }, context));
      if (before) {
        const replaced = contactKeysOf(before.state.profile).filter((old) => keys.some((key) => key.kind === old.kind && key.value !== old.value));
        await this.contactKeys.replace(tenantId, leadId, replaced);
      }
      return result;
    } catch (error) {
      if (reservation?.ok && before) {
        const fresh = keys.filter((key) => !contactKeysOf(before.state.profile).some((old) => old.kind === key.kind && old.value === key.value));
        await this.contactKeys.replace(tenantId, leadId, fresh);
      }
      throw error;
    }
  }

  async recordEngagement(leadId: string, dto: RecordEngagementDto, context: CommandContext): Promise<LeadResult> {
    const configuration = await this.scoring.configuration(context.metadata.tenantId);
    return this.run(leadId, context, {
      type: 'RecordEngagement',
      engagementType: dto.type,
      count: dto.count ?? 1,
      durationSeconds: dto.durationSeconds,
      occurredAt: dto.occurredAt ? new Date(dto.occurredAt).toISOString() : context.now,
      scorer: this.scoring.scorer(configuration),
    });
  }

  assign(leadId: string, ownerId: string, context: CommandContext, routedBy: 'manual' | 'rules' = 'manual') {
    return this.run(leadId, context, { type: 'AssignLead', ownerId, routedBy });
  }

  transition(leadId: string, context: CommandContext, command: LeadCommand) {
    return this.run(leadId, context, command);
  }

  async convert(leadId: string, dto: ConvertLeadDto, context: CommandContext): Promise<LeadResult & { opportunityId: string; accountId?: string; contactId?: string }> {
    const currency = dto.currency ?? 'EUR';
    const amount = parseMoney(dto.amount, currency);
    if (!amount) throw new RequestValidationFailed([{ field: 'amount', messages: ['amount must be a non-negative decimal string'] }]);
    const opportunityId = randomUUID();
    // Link the customer first, only for a lead that can convert (a repeat or an illegal conversion
    // creates no account); the decider still has the last word on the transition.
    const { state: lead, revision } = await this.get(leadId, context.metadata.tenantId);
    // A stale If-Match is refused before anything is created (the fuzz suite caught an account left
    // behind by a 412).
    if (context.expectedRevision !== undefined && context.expectedRevision !== revision) throw new WrongExpectedRevisionError(leadStreamId(leadId), context.expectedRevision, revision);
    const linked = this.customers && lead.status === 'qualified' && !lead.mergedInto ? await this.customers.linkConversion(lead, dto.accountId?.toLowerCase(), context) : {};
    const result = await this.run(leadId, context, {
      type: 'ConvertLead',
      opportunityId,
      opportunityName: dto.opportunityName,
      amount,
      productType: dto.productType,
      expectedCloseDate: dto.expectedCloseDate,
      accountId: linked.accountId,
      contactId: linked.contactId,
    });
    return { ...result, opportunityId: result.state.opportunityId ?? opportunityId, accountId: result.state.accountId, contactId: result.state.contactId };
  }

  /** Merges `duplicateId` into `leadId`: both histories stay; the duplicate points at the survivor. */
  async merge(leadId: string, duplicateId: string, context: CommandContext): Promise<LeadResult> {
    const tenantId = context.metadata.tenantId;
    let duplicate: LeadState = { exists: false };
    try {
      duplicate = (await this.get(duplicateId, tenantId)).state;
    } catch (error) {
      if (!(error instanceof CommandRejected && error.kind === 'not_found')) throw error;
    }
    const result = await this.run(leadId, context, { type: 'MergeLead', duplicateId, duplicate });
    await this.handle(leadStreamId(duplicateId), { type: 'MarkLeadMergedInto', survivorId: leadId }, { ...context, expectedRevision: undefined, eventId: () => mergeEventId(leadId, duplicateId) });
    return result;
  }

  /**
   * GDPR erasure of the person behind a lead: the lead and every lead merged with it (a merge says
   * they are one person). Records LeadErased, then deletes the keys (crypto-shredding) and the dedupe
   * keys; the view subscription does the same when it meets LeadErased, so a crash in between
   * leaves nothing behind. A repeat appends nothing.
   */
  async erase(leadId: string, context: CommandContext): Promise<ErasureResult> {
    const tenantId = context.metadata.tenantId;
    const group = await this.mergeGroup(leadId, tenantId);
    let primary: LeadResult | undefined;
    let position: number | null = null;
    for (const id of group) {
      const result = await this.run(id, id === leadId ? context : { ...context, expectedRevision: undefined }, { type: 'EraseLead' });
      await this.cipher.erase(tenantId, id);
      await this.contactKeys.forget(tenantId, id);
      // The contact the conversion made from this lead is the same person: erased with it.
      if (result.state.contactId && this.customers) {
        const contact = await this.customers.eraseContact(result.state.contactId, { ...context, expectedRevision: undefined });
        if (contact.position !== null) position = Math.max(position ?? 0, contact.position);
      }
      if (result.position !== null) position = Math.max(position ?? 0, result.position);
      if (id === leadId) primary = result;
    }
    await this.forgetCommandResponses(tenantId, group);
    if (!primary) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
    return { ...primary, position, erasedLeadIds: group };
  }

  /** The lead, the survivor it was merged into (if any), and every lead merged into that survivor. */
  private async mergeGroup(leadId: string, tenantId: string): Promise<string[]> {
    let root = (await this.get(leadId, tenantId)).state;
    for (let hops = 0; root.mergedInto && hops < 10; hops++) root = (await this.get(root.mergedInto, tenantId)).state;
    const group = [leadId];
    const queue = [root];
    while (queue.length > 0) {
      const lead = queue.shift() as OpenLead;
      if (!group.includes(lead.leadId)) group.push(lead.leadId);
      for (const merged of lead.mergedLeads) if (!group.includes(merged)) queue.push((await this.get(merged, tenantId)).state);
    }
    return group;
  }

  /**
   * Responses kept for Idempotency-Key repeats echo the lead's personal fields for a day: drop the
   * ones about erased leads (a repeat then runs afresh). The table belongs to the platform's
   * idempotency interceptor and may not exist where it is not installed.
   */
  private async forgetCommandResponses(tenantId: string, leadIds: string[]): Promise<void> {
    const { rows } = await this.pool.query<{ table: string | null }>("SELECT to_regclass('platform.idempotency_keys')::text AS table");
    if (!rows[0]?.table) return;
    await this.pool.query("DELETE FROM platform.idempotency_keys WHERE tenant_id = $1 AND body->>'id' = ANY($2::text[])", [tenantId, leadIds]);
  }

  private async run(leadId: string, context: CommandContext, command: LeadCommand): Promise<LeadResult> {
    try {
      return asLead(await this.handle(leadStreamId(leadId), command, context));
    } catch (error) {
      if (error instanceof CommandRejected && error.code === 'not-found') throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
      throw error;
    }
  }

  private async rescoreOpenLeads(trigger: EventEnvelope): Promise<void> {
    const tenantId = trigger.metadata.tenantId;
    // The open leads are read from the read model: let it catch up with the trigger first.
    await this.viewSubscription?.waitFor(trigger.globalPosition, 60_000);
    const configuration = await this.scoring.configuration(tenantId);
    const scorer = this.scoring.scorer(configuration);
    const { rows } = await this.pool.query<{ lead_id: string }>(
      "SELECT lead_id FROM leads.lead_view WHERE tenant_id = $1 AND status IN ('new', 'working', 'qualified') AND merged_into IS NULL",
      [tenantId],
    );
    const now = new Date().toISOString();
    for (const { lead_id: leadId } of rows) {
      await this.handle(
        leadStreamId(leadId),
        { type: 'RescoreLead', asOf: now, scorer },
        {
          metadata: { tenantId, actor: { id: 'lead-scoring', role: 'system' }, correlationId: trigger.metadata.correlationId, causationId: trigger.id },
          now,
          eventId: (index) => derivedEventId(trigger.id, `${leadId}-${index}`),
        },
      );
    }
  }

  /** Follows merges to the lead that survives. */
  private async survivorOf(leadId: string): Promise<string> {
    let current = leadId;
    for (let hops = 0; hops < 10; hops++) {
      const { rows } = await this.pool.query<{ merged_into: string | null }>('SELECT merged_into FROM leads.lead_view WHERE lead_id = $1', [current]);
      if (!rows[0]?.merged_into) return current;
      current = rows[0].merged_into;
    }
    return current;
  }

  /** Routes an unowned lead over the team directory; idempotent per capture event. */
  private async route(captured: EventEnvelope): Promise<void> {
    const { leadId, region, productInterest } = captured.data as { leadId: string; region?: string; productInterest?: string };
    const tenantId = captured.metadata.tenantId;
    // Let the directory take in members added before this capture (embedded mode: one log, one
    // order). Over Kafka the positions are another store's: route on what the directory holds.
    await this.teamSubscription?.waitFor(captured.globalPosition, 5_000).catch(() => undefined);
    const { rows } = await this.pool.query<{
      member_id: string;
      role: 'rep' | 'manager';
      active: boolean;
      region: string | null;
      product_lines: string[];
      capacity: number | null;
      last_assigned_at: Date | null;
      open_leads: string;
    }>(
      `SELECT m.*, (SELECT count(*) FROM leads.lead_view v WHERE v.tenant_id = m.tenant_id AND v.owner_id = m.member_id
                     AND v.status IN ('new','working','qualified')) AS open_leads
         FROM leads.team_members m WHERE m.tenant_id = $1`,
      [tenantId],
    );
    const ownerId = routeLead(
      { region, productInterest },
      rows.map((row) => ({
        memberId: row.member_id,
        role: row.role,
        active: row.active,
        region: row.region ?? undefined,
        productLines: row.product_lines,
        capacity: row.capacity ?? undefined,
        openLeads: Number(row.open_leads),
        lastAssignedAt: row.last_assigned_at?.toISOString(),
      })),
    );
    if (!ownerId) return;
    const context: CommandContext = {
      metadata: { tenantId, actor: { id: 'lead-routing', role: 'system' }, correlationId: captured.metadata.correlationId, causationId: captured.id },
      now: new Date().toISOString(),
      eventId: (index) => derivedEventId(captured.id, `route-${index}`),
    };
    try {
      await this.handle(leadStreamId(leadId), { type: 'AssignLead', ownerId, routedBy: 'rules' }, context);
      await this.pool.query('UPDATE leads.team_members SET last_assigned_at = now() WHERE tenant_id = $1 AND member_id = $2', [tenantId, ownerId]);
    } catch (error) {
      // Assigned or closed meanwhile by someone else: routing has nothing left to do.
      if (!(error instanceof CommandRejected)) throw error;
    }
  }
}

const asLead = (result: { state: LeadState; revision: number; position: number | null }): LeadResult => {
  if (!result.state.exists) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
  return { state: result.state, revision: result.revision, position: result.position };
};

const toProfile = (dto: Partial<CaptureLeadDto & UpdateLeadDto>): Partial<LeadProfile> & { name: string } => {
  const profile: Partial<LeadProfile> = {};
  const copy = <K extends keyof LeadProfile>(key: K, value: LeadProfile[K] | undefined) => {
    if (value !== undefined) profile[key] = value;
  };
  copy('name', dto.name?.trim());
  copy('email', dto.email?.trim());
  copy('phone', dto.phone === undefined ? undefined : (normalizePhone(dto.phone) ?? undefined));
  copy('company', dto.company?.trim());
  copy('title', dto.title?.trim());
  copy('companySize', dto.companySize);
  copy('industry', dto.industry?.trim());
  copy('country', dto.country?.trim());
  copy('region', dto.region?.trim());
  copy('productInterest', dto.productInterest?.trim());
  if (dto.estimatedValue) copy('estimatedValue', parseMoney(dto.estimatedValue.amount, dto.estimatedValue.currency) ?? undefined);
  copy('attributes', dto.attributes);
  return profile as Partial<LeadProfile> & { name: string };
};

const contactKeysOf = (profile: Partial<LeadProfile>): ContactKey[] => [
  ...(profile.email ? [{ kind: 'email' as const, value: normalizeEmail(profile.email) }] : []),
  ...(profile.phone ? [{ kind: 'phone' as const, value: profile.phone }] : []),
];

const mergeEventId = (survivorId: string, duplicateId: string) => derivedEventId(`${survivorId}:${duplicateId}`, 'merged-into');

/** An erasure in the log takes effect even if the process that recorded it died before shredding. */
const completeErasures = async (events: EventEnvelope[], tx: SqlExecutor): Promise<void> => {
  for (const event of events) {
    if (event.type !== 'LeadErased') continue;
    const { leadId } = event.data as { leadId: string };
    await pgPersonKeys(tx).erase(event.metadata.tenantId, leadId);
    await tx.query('DELETE FROM leads.contact_keys WHERE tenant_id = $1 AND lead_id = $2', [event.metadata.tenantId, leadId]);
  }
};

/** The tasks service's team directory, as the leads context keeps it for routing (`LeadsConsumers`). */
export const teamDirectoryConsumer = 'leads.team-directory';

export const upsertTeamMember = async (tx: { query: (text: string, params?: unknown[]) => Promise<unknown> }, event: EventEnvelope) => {
  const member = event.data as TeamMemberUpserted['data'];
  await tx.query(
    `INSERT INTO leads.team_members (tenant_id, member_id, name, role, manager_id, region, product_lines, capacity, active)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     ON CONFLICT (tenant_id, member_id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, manager_id = EXCLUDED.manager_id,
       region = EXCLUDED.region, product_lines = EXCLUDED.product_lines, capacity = EXCLUDED.capacity, active = EXCLUDED.active`,
    [event.metadata.tenantId, member.memberId, member.name, member.role, member.managerId ?? null, member.region ?? null, member.productLines, member.capacity ?? null, member.active],
  );
};


import {
  EngagementType,
  LeadEvent,
  LeadProfile,
  LeadSource,
  LeadStatus,
  Money,
} from '@crm/contracts';
import { CommandRejected, Decider, sameValue } from '@crm/event-sourcing';
import { EngagementRecord, ScoredProfile } from './scoring';

export type LeadScore = {
  score: number;
  probability?: number;
  modelVersion?: string;
  contributions: Record<string, number>;
};

/** A lead's profile as folded: the personal fields are absent once shredded or erased. */
export type KnownProfile = Omit<LeadProfile, 'name'> & { name?: string };

/** What a scorer sees of a lead: never its personal fields, so erasing them changes no score. */
export type ScoringInput = { profile: ScoredProfile; source: LeadSource; engagements: EngagementRecord[] };

/** Scores a lead as it stands; pure and deterministic for a given `asOf`. */
export type LeadScorer = (lead: ScoringInput, asOf: string) => LeadScore;

export type OpenLead = {
  exists: true;
  leadId: string;
  status: LeadStatus;
  profile: KnownProfile;
  source: LeadSource;
  ownerId?: string;
  score?: LeadScore;
  engagements: EngagementRecord[];
  capturedAt: string;
  possibleDuplicateOf?: string;
  mergedInto?: string;
  mergedLeads: string[];
  opportunityId?: string;
  /** The account and contact the conversion created or linked (absent for conversions before customers existed). */
  accountId?: string;
  contactId?: string;
  disqualificationReason?: string;
  /** The person was erased: the personal fields are gone for good. */
  erased?: true;
};

export type LeadState = { exists: false } | OpenLead;

export type CaptureLead = {
  type: 'CaptureLead';
  leadId: string;
  profile: LeadProfile;
  source: LeadSource;
  ownerId?: string;
  possibleDuplicateOf?: string;
  occurredAt: string;
  scorer: LeadScorer;
};
export type UpdateLead = { type: 'UpdateLead'; changes: Partial<LeadProfile>; occurredAt: string; scorer: LeadScorer };
export type RecordEngagement = {
  type: 'RecordEngagement';
  engagementType: EngagementType;
  count: number;
  durationSeconds?: number;
  occurredAt: string;
  scorer: LeadScorer;
};
export type RescoreLead = { type: 'RescoreLead'; asOf: string; scorer: LeadScorer };
export type AssignLead = { type: 'AssignLead'; ownerId: string; routedBy: 'manual' | 'rules' };
export type MarkLeadWorking = { type: 'MarkLeadWorking' };
export type QualifyLead = { type: 'QualifyLead' };
export type DisqualifyLead = { type: 'DisqualifyLead'; reason: string };
export type ReopenLead = { type: 'ReopenLead' };
export type ConvertLead = {
  type: 'ConvertLead';
  opportunityId: string;
  opportunityName?: string;
  amount: Money;
  productType: string;
  expectedCloseDate: string;
  accountId?: string;
  contactId?: string;
};
export type MergeLead = { type: 'MergeLead'; duplicate: LeadState; duplicateId: string };
export type MarkLeadMergedInto = { type: 'MarkLeadMergedInto'; survivorId: string };
/** GDPR erasure; the service deletes the key that sealed the personal fields. */
export type EraseLead = { type: 'EraseLead' };

export type LeadCommand =
  | CaptureLead
  | UpdateLead
  | RecordEngagement
  | RescoreLead
  | AssignLead
  | MarkLeadWorking
  | QualifyLead
  | DisqualifyLead
  | ReopenLead
  | ConvertLead
  | MergeLead
  | MarkLeadMergedInto
  | EraseLead;

const openStatuses: readonly LeadStatus[] = ['new', 'working', 'qualified'];

const illegal = (state: OpenLead, action: string): never => {
  throw new CommandRejected('conflict', 'illegal-transition', `cannot ${action} a lead that is ${state.status}`, { currentStatus: state.status });
};

const existing = (state: LeadState): OpenLead => {
  if (!state.exists) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
  if (state.mergedInto) throw new CommandRejected('conflict', 'lead-merged', `the lead was merged into ${state.mergedInto}`, { mergedInto: state.mergedInto });
  return state;
};

const personalProfileFields = ['name', 'email', 'phone'] as const;

const erasedRejection = (lead: OpenLead, action: string): never => {
  throw new CommandRejected('conflict', 'lead-erased', `cannot ${action}: the person behind this lead was erased`, { leadId: lead.leadId });
};

/** Shredded values arrive as null (or not at all): the fold treats them as absent. */
const withoutShredded = <T extends object>(values: T): T => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined)) as T;

const withoutPersonal = <T extends object>(values: T): T =>
  Object.fromEntries(Object.entries(values).filter(([key]) => !(personalProfileFields as readonly string[]).includes(key))) as T;

/** The account a converted lead opens: its company; never the person's name, which erasure could not reach there. */
const accountOf = (lead: OpenLead): string => lead.profile.company ?? `Lead ${lead.leadId.slice(0, 8)}`;

const scoreChanged = (before: LeadScore | undefined, after: LeadScore): boolean =>
  !before || before.score !== after.score || before.probability !== after.probability || before.modelVersion !== after.modelVersion;

const scored = (leadId: string, before: LeadScore | undefined, after: LeadScore): LeadEvent[] =>
  scoreChanged(before, after) ? [{ type: 'LeadScored', data: { leadId, ...after } }] : [];


export const decideLead = (command: LeadCommand, state: LeadState): LeadEvent[] => {
  if (command.type === 'CaptureLead') {
    if (state.exists) throw new CommandRejected('conflict', 'lead-exists', 'the lead already exists');
    const score = command.scorer({ profile: command.profile, source: command.source, engagements: [] }, command.occurredAt);
    return [
      {
        type: 'LeadCaptured',
        occurredAt: command.occurredAt,
        data: {
          leadId: command.leadId,
          ...command.profile,
          source: command.source,
          ...(command.ownerId ? { ownerId: command.ownerId } : {}),
          ...(command.possibleDuplicateOf ? { possibleDuplicateOf: command.possibleDuplicateOf } : {}),
        },
      },
      { type: 'LeadScored', occurredAt: command.occurredAt, data: { leadId: command.leadId, ...score } },
    ];
  }
  // Erasure applies to any lead that exists, merged away or converted included.
  if (command.type === 'EraseLead') {
    if (!state.exists) throw new CommandRejected('not_found', 'lead-not-found', 'no such lead');
    return state.erased ? [] : [{ type: 'LeadErased', data: { leadId: state.leadId } }];
  }
  const lead = existing(state);
  switch (command.type) {
    case 'UpdateLead': {
      if (lead.erased && personalProfileFields.some((field) => command.changes[field] !== undefined)) erasedRejection(lead, 'set personal fields');
      const changes = Object.fromEntries(
        Object.entries(command.changes).filter(([key, value]) => value !== undefined && !sameValue(lead.profile[key as keyof LeadProfile], value)),
      ) as Partial<LeadProfile>;
      if (Object.keys(changes).length === 0) return [];
      const profile = { ...lead.profile, ...changes };
      return [{ type: 'LeadUpdated', data: { leadId: lead.leadId, changes } }, ...scored(lead.leadId, lead.score, command.scorer({ profile, source: lead.source, engagements: lead.engagements }, command.occurredAt))];
    }
    case 'RecordEngagement': {
      const record: EngagementRecord = { type: command.engagementType, count: command.count, occurredAt: command.occurredAt };
      const after = command.scorer({ profile: lead.profile, source: lead.source, engagements: [...lead.engagements, record] }, command.occurredAt);
      return [
        {
          type: 'LeadEngagementRecorded',
          occurredAt: command.occurredAt,
          data: {
            leadId: lead.leadId,
            engagementType: command.engagementType,
            count: command.count,
            ...(command.durationSeconds !== undefined ? { durationSeconds: command.durationSeconds } : {}),
          },
        },
        ...scored(lead.leadId, lead.score, after),
      ];
    }
    case 'RescoreLead':
      if (!openStatuses.includes(lead.status)) return [];
      return scored(lead.leadId, lead.score, command.scorer({ profile: lead.profile, source: lead.source, engagements: lead.engagements }, command.asOf));
    case 'AssignLead': {
      if (!openStatuses.includes(lead.status)) return illegal(lead, 'assign');
      if (lead.ownerId === command.ownerId) return [];
      const assigned: LeadEvent = {
        type: 'LeadAssigned',
        data: { leadId: lead.leadId, ownerId: command.ownerId, routedBy: command.routedBy, ...(lead.ownerId ? { previousOwnerId: lead.ownerId } : {}) },
      };
      return lead.status === 'new' ? [assigned, { type: 'LeadStatusChanged', data: { leadId: lead.leadId, from: 'new', to: 'working' } }] : [assigned];
    }
    case 'MarkLeadWorking':
      return lead.status === 'new' ? [{ type: 'LeadStatusChanged', data: { leadId: lead.leadId, from: 'new', to: 'working' } }] : [];
    case 'QualifyLead':
      return lead.status === 'working' ? [{ type: 'LeadQualified', data: { leadId: lead.leadId } }] : illegal(lead, 'qualify');
    case 'DisqualifyLead':
      return openStatuses.includes(lead.status) ? [{ type: 'LeadDisqualified', data: { leadId: lead.leadId, reason: command.reason } }] : illegal(lead, 'disqualify');
    case 'ReopenLead':
      return lead.status === 'disqualified' ? [{ type: 'LeadReopened', data: { leadId: lead.leadId } }] : illegal(lead, 'reopen');
    case 'ConvertLead':
      if (lead.status !== 'qualified') return illegal(lead, 'convert');
      return [
        {
          type: 'LeadConverted',
          data: {
            leadId: lead.leadId,
            opportunityId: command.opportunityId,
            opportunityName: command.opportunityName ?? `${accountOf(lead)} - ${command.productType}`,
            accountName: accountOf(lead),
            amount: command.amount,
            productType: command.productType,
            expectedCloseDate: command.expectedCloseDate,
            source: lead.source,
            ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
            ...(lead.profile.region ? { region: lead.profile.region } : {}),
            ...(command.accountId ? { accountId: command.accountId } : {}),
            ...(command.contactId ? { contactId: command.contactId } : {}),
          },
        },
      ];
    case 'MergeLead': {
      if (command.duplicateId === lead.leadId) throw new CommandRejected('invalid', 'merge-into-itself', 'a lead cannot be merged into itself');
      if (lead.erased) erasedRejection(lead, 'merge into it');
      // Already merged here: a repeated request completes rather than fails.
      if (lead.mergedLeads.includes(command.duplicateId)) return [];
      if (!command.duplicate.exists) throw new CommandRejected('not_found', 'lead-not-found', 'no such duplicate lead', { duplicateId: command.duplicateId });
      if (command.duplicate.mergedInto) {
        throw new CommandRejected('conflict', 'lead-merged', `the duplicate was already merged into ${command.duplicate.mergedInto}`, { mergedInto: command.duplicate.mergedInto });
      }
      if (command.duplicate.status === 'converted') throw new CommandRejected('conflict', 'illegal-transition', 'cannot merge a converted lead away', { currentStatus: 'converted' });
      // Fill the survivor's gaps from the duplicate; the survivor's own values win.
      const fill = Object.fromEntries(
        Object.entries(command.duplicate.profile).filter(([key, value]) => value !== undefined && lead.profile[key as keyof LeadProfile] === undefined),
      ) as Partial<LeadProfile>;
      return [
        { type: 'LeadMerged', data: { leadId: lead.leadId, duplicateId: command.duplicateId } },
        ...(Object.keys(fill).length ? [{ type: 'LeadUpdated' as const, data: { leadId: lead.leadId, changes: fill } }] : []),
      ];
    }
    case 'MarkLeadMergedInto':
      if (lead.status === 'converted') return illegal(lead, 'merge away');
      return [{ type: 'LeadMergedInto', data: { leadId: lead.leadId, survivorId: command.survivorId } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
};

export const evolveLead = (state: LeadState, event: LeadEvent & { occurredAt?: string }): LeadState => {
  if (event.type === 'LeadCaptured') {
    const { leadId, source, ownerId, possibleDuplicateOf, ...profile } = event.data;
    return {
      exists: true,
      leadId,
      status: 'new',
      profile: withoutShredded(profile),
      source,
      ownerId,
      engagements: [],
      capturedAt: event.occurredAt ?? '',
      possibleDuplicateOf,
      mergedLeads: [],
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'LeadUpdated': {
      const changes = withoutShredded(event.data.changes);
      return { ...state, profile: { ...state.profile, ...(state.erased ? withoutPersonal(changes) : changes) } };
    }
    case 'LeadEngagementRecorded':
      return {
        ...state,
        engagements: [...state.engagements, { type: event.data.engagementType, count: event.data.count, occurredAt: event.occurredAt ?? state.capturedAt }],
      };
    case 'LeadScored': {
      const { leadId: _leadId, ...score } = event.data;
      return { ...state, score };
    }
    case 'LeadAssigned':
      return { ...state, ownerId: event.data.ownerId };
    case 'LeadStatusChanged':
      return { ...state, status: event.data.to };
    case 'LeadQualified':
      return { ...state, status: 'qualified' };
    case 'LeadDisqualified':
      return { ...state, status: 'disqualified', disqualificationReason: state.erased ? undefined : (event.data.reason ?? undefined) };
    case 'LeadReopened':
      return { ...state, status: 'working', disqualificationReason: undefined };
    case 'LeadConverted':
      return { ...state, status: 'converted', opportunityId: event.data.opportunityId, accountId: event.data.accountId, contactId: event.data.contactId };
    case 'LeadMerged':
      return { ...state, mergedLeads: [...state.mergedLeads, event.data.duplicateId] };
    case 'LeadMergedInto':
      return { ...state, mergedInto: event.data.survivorId };
    case 'LeadErased':
      return { ...state, profile: withoutPersonal(state.profile), disqualificationReason: undefined, erased: true };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
};

export const leadDecider: Decider<LeadCommand, LeadEvent, LeadState> = {
  decide: decideLead,
  evolve: evolveLead,
  initialState: () => ({ exists: false }),
};

import { EventData } from '../envelope';
import { Money } from '../money';

export const leadSources = ['web', 'email', 'phone', 'social', 'referral', 'event', 'partner', 'advertising', 'other'] as const;
export type LeadSource = (typeof leadSources)[number];

export const leadStatuses = ['new', 'working', 'qualified', 'converted', 'disqualified'] as const;
export type LeadStatus = (typeof leadStatuses)[number];

export const engagementTypes = [
  'website_visit',
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'form_submit',
  'event_attended',
  'call_answered',
] as const;
export type EngagementType = (typeof engagementTypes)[number];

export type AttributeValue = string | number | boolean;

export type LeadProfile = {
  name: string;
  email?: string;
  phone?: string;
  company?: string;
  title?: string;
  companySize?: number;
  industry?: string;
  country?: string;
  region?: string;
  productInterest?: string;
  estimatedValue?: Money;
  attributes?: Record<string, AttributeValue>;
};

export type LeadCaptured = EventData<
  'LeadCaptured',
  LeadProfile & {
    leadId: string;
    source: LeadSource;
    ownerId?: string;
    possibleDuplicateOf?: string;
  }
>;
export type LeadUpdated = EventData<'LeadUpdated', { leadId: string; changes: Partial<LeadProfile> }>;
export type LeadEngagementRecorded = EventData<
  'LeadEngagementRecorded',
  { leadId: string; engagementType: EngagementType; count: number; durationSeconds?: number }
>;
export type LeadScored = EventData<
  'LeadScored',
  { leadId: string; score: number; probability?: number; modelVersion?: string; contributions: Record<string, number> }
>;
export type LeadAssigned = EventData<'LeadAssigned', { leadId: string; ownerId: string; previousOwnerId?: string; routedBy: 'manual' | 'rules' }>;
export type LeadStatusChanged = EventData<'LeadStatusChanged', { leadId: string; from: LeadStatus; to: LeadStatus }>;
export type LeadQualified = EventData<'LeadQualified', { leadId: string }>;
export type LeadDisqualified = EventData<'LeadDisqualified', { leadId: string; reason: string }>;
export type LeadReopened = EventData<'LeadReopened', { leadId: string }>;
export type LeadConverted = EventData<
  'LeadConverted',
  {
    leadId: string;
    opportunityId: string;
    opportunityName: string;
    accountName: string;
    amount: Money;
    productType: string;
    expectedCloseDate: string;
    ownerId?: string;
    source: LeadSource;
    region?: string;
    /**
     * The account and contact the conversion created or linked. Optional, added without a version
     * bump: conversions recorded before customers existed carry neither.
     */
    accountId?: string;
    contactId?: string;
  }
>;
export type LeadMerged = EventData<'LeadMerged', { leadId: string; duplicateId: string }>;
export type LeadMergedInto = EventData<'LeadMergedInto', { leadId: string; survivorId: string }>;
/**
 * The person behind the lead was erased (GDPR, right to erasure): the key that sealed the lead's
 * personal fields is gone. Carries no personal data; a fold drops those fields from here on.
 */
export type LeadErased = EventData<'LeadErased', { leadId: string }>;

/**
 * Personal data in lead events (GDPR crypto-shredding). The fields listed here hold either plain
 * text (events recorded before sealing existed) or `enc:v1:<base64(iv | tag | ciphertext)>`:
 * AES-256-GCM under a key per lead that the leads service keeps outside the event log, with the
 * tenant, lead id and field name as associated data. The JSON type stays `string`, so no version
 * changed. Subscribers in other services cannot open these values and have no use for them: treat
 * them as opaque, never as a name to show. Once a lead is erased (`LeadErased`) the key is
 * deleted, so every copy (store, Kafka topics, analytics' event log, replays) is unreadable; the
 * leads API shows such a field as `null` and the lead as `erased: true`.
 *
 * `LeadConverted`'s `opportunityName` and `accountName` are the deal's business names and stay
 * plain: by default they derive from the company, never from the person's name.
 */
export const sealedValuePrefix = 'enc:v1:';

export type PersonalLeadField = 'name' | 'email' | 'phone' | 'reason';

/** Where lead events carry personal fields: in `data` itself, or in `data.changes`. */
export const personalLeadFields: Partial<Record<LeadEvent['type'], { in?: 'changes'; fields: readonly PersonalLeadField[] }>> = {
  LeadCaptured: { fields: ['name', 'email', 'phone'] },
  LeadUpdated: { in: 'changes', fields: ['name', 'email', 'phone'] },
  LeadDisqualified: { fields: ['reason'] },
};

export const isSealedValue = (value: unknown): value is string => typeof value === 'string' && value.startsWith(sealedValuePrefix);

/** Weighted scoring rules; see @crm/leads-domain for their meaning. */
export type ScoringRules = {
  titleSeniority: Record<string, number>;
  companySize: Array<{ min: number; points: number }>;
  industry: Record<string, number>;
  country: Record<string, number>;
  estimatedValue: Array<{ minMinor: number; points: number }>;
  engagement: Record<EngagementType, number>;
  engagementHalfLifeDays: number;
  engagementCap: number;
  attributes: Array<{ key: string; equals: AttributeValue; points: number }>;
};

export type ScoringRulesDefined = EventData<'ScoringRulesDefined', { version: number; rules: ScoringRules }>;

export type ScoringModelMetrics = { auc: number; accuracy: number; logLoss: number; trainingRows: number; holdoutRows: number };

/** A trained lead-conversion model: the encoder and the coefficients, so any replica can score. */
export type ScoringModelTrained = EventData<
  'ScoringModelTrained',
  {
    modelVersion: string;
    encoder: unknown;
    coef: number[];
    intercept: number;
    featureNames: string[];
    metrics: ScoringModelMetrics;
    l2Penalty: number;
  }
>;

export type ScoringEvent = ScoringRulesDefined | ScoringModelTrained;

export type LeadEvent =
  | LeadCaptured
  | LeadUpdated
  | LeadEngagementRecorded
  | LeadScored
  | LeadAssigned
  | LeadStatusChanged
  | LeadQualified
  | LeadDisqualified
  | LeadReopened
  | LeadConverted
  | LeadMerged
  | LeadMergedInto
  | LeadErased;

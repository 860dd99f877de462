import { AttributeValue, EngagementType, LeadProfile, ScoringRules } from '@crm/contracts';

export type EngagementRecord = { type: EngagementType; count: number; occurredAt: string };

/** The profile a scorer gets: the personal fields may be gone (erased), and scoring never reads them. */
export type ScoredProfile = Omit<LeadProfile, 'name' | 'email' | 'phone'> & Partial<Pick<LeadProfile, 'name' | 'email' | 'phone'>>;

export type RuleScore = {
  score: number;
  /** Points per feature before clamping to 0-100; they sum to the unclamped score. */
  contributions: Record<string, number>;
};

export const defaultScoringRules: ScoringRules = {
  titleSeniority: { c_level: 20, vp: 15, director: 10, manager: 5, individual: 0 },
  companySize: [
    { min: 1000, points: 15 },
    { min: 200, points: 10 },
    { min: 50, points: 5 },
  ],
  industry: {},
  country: {},
  estimatedValue: [
    { minMinor: 10_000_000, points: 15 },
    { minMinor: 1_000_000, points: 10 },
    { minMinor: 100_000, points: 5 },
  ],
  engagement: {
    website_visit: 1,
    page_view: 0.5,
    email_open: 1,
    email_click: 3,
    content_download: 5,
    form_submit: 8,
    event_attended: 10,
    call_answered: 10,
  },
  engagementHalfLifeDays: 30,
  engagementCap: 40,
  attributes: [],
};

/** Maps a free-text job title to a seniority band. */
export const titleSeniority = (title: string | undefined): string | undefined => {
  if (!title) return undefined;
  const t = title.toLowerCase();
  if (/\b(ceo|cto|cfo|coo|cmo|cio|cro|chief|founder|owner|president)\b/.test(t)) return 'c_level';
  if (/\b(vp|vice president|svp|evp)\b/.test(t)) return 'vp';
  if (/\b(director|head of)\b/.test(t)) return 'director';
  if (/\b(manager|lead|supervisor)\b/.test(t)) return 'manager';
  return 'individual';
};

const band = <T extends { points: number }>(bands: T[], value: number | undefined, threshold: (b: T) => number): number => {
  if (value === undefined) return 0;
  const sorted = [...bands].sort((a, b) => threshold(b) - threshold(a));
  return sorted.find((b) => value >= threshold(b))?.points ?? 0;
};

const lookup = (table: Record<string, number>, key: string | undefined): number => (key === undefined ? 0 : (table[key.toLowerCase()] ?? table[key] ?? 0));

/**
 * Lead Score = Σ wᵢ·xᵢ over demographic, firmographic and engagement features, clamped to 0-100.
 * Engagement counts decay with age: a count of n recorded `age` days before `asOf` is worth
 * n × weight × 0.5^(age / half-life); the engagement total is capped.
 */
export const ruleScore = (profile: ScoredProfile, engagements: EngagementRecord[], rules: ScoringRules, asOf: string): RuleScore => {
  const contributions: Record<string, number> = {
    titleSeniority: lookup(rules.titleSeniority, titleSeniority(profile.title)),
    companySize: band(rules.companySize, profile.companySize, (b) => b.min),
    industry: lookup(rules.industry, profile.industry),
    country: lookup(rules.country, profile.country),
    estimatedValue: band(rules.estimatedValue, profile.estimatedValue?.amountMinor, (b) => b.minMinor),
  };
  const now = Date.parse(asOf);
  let engagement = 0;
  for (const record of engagements) {
    const ageDays = Math.max(0, (now - Date.parse(record.occurredAt)) / 86_400_000);
    engagement += record.count * (rules.engagement[record.type] ?? 0) * 0.5 ** (ageDays / rules.engagementHalfLifeDays);
  }
  contributions.engagement = round2(Math.min(engagement, rules.engagementCap));
  for (const rule of rules.attributes) {
    if (attributeEquals(profile.attributes?.[rule.key], rule.equals)) {
      contributions[`attribute:${rule.key}`] = (contributions[`attribute:${rule.key}`] ?? 0) + rule.points;
    }
  }
  const total = Object.values(contributions).reduce((sum, points) => sum + points, 0);
  return { score: Math.max(0, Math.min(100, Math.round(total))), contributions };
};

const attributeEquals = (value: AttributeValue | undefined, expected: AttributeValue): boolean =>
  value !== undefined && (typeof value === 'string' && typeof expected === 'string' ? value.toLowerCase() === expected.toLowerCase() : value === expected);

const round2 = (value: number) => Math.round(value * 100) / 100;

import { engagementTypes, LeadSource } from '@crm/contracts';
import { EngagementRecord, ScoredProfile, titleSeniority } from './scoring';

export type FeatureRow = Record<string, string | number | boolean | null | undefined>;

/**
 * What the learned model sees of a lead: the standard fields, engagement counts by type, and every
 * custom attribute (as `attr_<key>`). Missing values stay undefined for the encoder to handle.
 */
export const leadFeatures = (profile: ScoredProfile, source: LeadSource, engagements: EngagementRecord[]): FeatureRow => {
  const row: FeatureRow = {
    companySize: profile.companySize,
    estimatedValue: profile.estimatedValue ? profile.estimatedValue.amountMinor / 100 : undefined,
    titleSeniority: titleSeniority(profile.title),
    industry: profile.industry?.toLowerCase(),
    country: profile.country?.toLowerCase(),
    region: profile.region?.toLowerCase(),
    source,
    productInterest: profile.productInterest?.toLowerCase(),
    engagements: engagements.reduce((sum, record) => sum + record.count, 0),
  };
  for (const type of engagementTypes) row[`engaged_${type}`] = 0;
  for (const record of engagements) row[`engaged_${record.type}`] = ((row[`engaged_${record.type}`] as number | undefined) ?? 0) + record.count;
  for (const [key, value] of Object.entries(profile.attributes ?? {})) row[`attr_${key}`] = value;
  return row;
};

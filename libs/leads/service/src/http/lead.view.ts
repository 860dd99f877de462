import { formatMoney } from '@crm/contracts';
import { OpenLead } from '@crm/leads-domain';

/** The API's representation of a lead. */
export const leadView = (lead: OpenLead, revision: number) => ({
  id: lead.leadId,
  status: lead.status,
  /** null once the person was erased (`erased: true`), as email, phone and disqualificationReason. */
  name: lead.profile.name ?? null,
  email: lead.profile.email ?? null,
  phone: lead.profile.phone ?? null,
  company: lead.profile.company ?? null,
  title: lead.profile.title ?? null,
  companySize: lead.profile.companySize ?? null,
  industry: lead.profile.industry ?? null,
  country: lead.profile.country ?? null,
  region: lead.profile.region ?? null,
  source: lead.source,
  productInterest: lead.profile.productInterest ?? null,
  estimatedValue: lead.profile.estimatedValue ? formatMoney(lead.profile.estimatedValue) : null,
  attributes: lead.profile.attributes ?? {},
  ownerId: lead.ownerId ?? null,
  score: lead.score?.score ?? null,
  scoring: lead.score
    ? { probability: lead.score.probability ?? null, modelVersion: lead.score.modelVersion ?? null, contributions: lead.score.contributions }
    : null,
  engagements: lead.engagements.length,
  possibleDuplicateOf: lead.possibleDuplicateOf ?? null,
  mergedInto: lead.mergedInto ?? null,
  mergedLeads: lead.mergedLeads,
  opportunityId: lead.opportunityId ?? null,
  accountId: lead.accountId ?? null,
  contactId: lead.contactId ?? null,
  disqualificationReason: lead.disqualificationReason ?? null,
  capturedAt: lead.capturedAt,
  erased: lead.erased === true,
  revision,
});

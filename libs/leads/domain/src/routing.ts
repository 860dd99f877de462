export type RoutingCandidate = {
  memberId: string;
  role: 'rep' | 'manager';
  active: boolean;
  region?: string;
  productLines: string[];
  /** Most open leads the rep should hold; unlimited when absent. */
  capacity?: number;
  openLeads: number;
  lastAssignedAt?: string;
};

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Chooses the owner of an unassigned lead: active reps with room under their capacity; among them
 * the ones covering the lead's region (else those with no region, i.e. generalists) and its product
 * line (else those with no product lines); then round-robin: the least recently assigned, ties by id.
 * Undefined when nobody is eligible: the lead stays unassigned.
 */
export const routeLead = (lead: { region?: string; productInterest?: string }, candidates: RoutingCandidate[]): string | undefined => {
  let pool = candidates.filter((c) => c.active && c.role === 'rep' && (c.capacity === undefined || c.openLeads < c.capacity));
  if (lead.region) {
    const inRegion = pool.filter((c) => same(c.region, lead.region));
    pool = inRegion.length ? inRegion : pool.filter((c) => c.region === undefined);
  }
  if (lead.productInterest) {
    const covering = pool.filter((c) => c.productLines.some((line) => same(line, lead.productInterest)));
    pool = covering.length ? covering : pool.filter((c) => c.productLines.length === 0);
  }
  const [chosen] = [...pool].sort((a, b) => (a.lastAssignedAt ?? '').localeCompare(b.lastAssignedAt ?? '') || a.memberId.localeCompare(b.memberId));
  return chosen?.memberId;
};

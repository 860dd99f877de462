import { DealValueBand, Money, TeamRole } from '@crm/contracts';
import { RelatedRecordFacts } from './related-record';

export type AssignmentCandidate = {
  memberId: string;
  role: TeamRole;
  active: boolean;
  region?: string;
  productLines: string[];
  /** Most open tasks the member should hold; unlimited when absent. */
  capacity?: number;
  openTasks: number;
};

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Keeps the candidates that match, unless none does: a criterion never leaves a task unassigned. */
const prefer = <T>(pool: T[], ...predicates: Array<(candidate: T) => boolean>): T[] => {
  for (const predicate of predicates) {
    const matching = pool.filter(predicate);
    if (matching.length) return matching;
  }
  return pool;
};

/** The band with the highest threshold the value reaches, in the value's currency. */
export const valueBandOf = (value: Money | undefined, bands: readonly DealValueBand[]): DealValueBand | undefined =>
  value === undefined
    ? undefined
    : [...bands]
        .filter((band) => band.minAmount.currency === value.currency && value.amountMinor >= band.minAmount.amountMinor)
        .sort((a, b) => b.minAmount.amountMinor - a.minAmount.amountMinor)[0];

/**
 * Chooses who gets a task whose related record has no owner. Only active members with room under
 * their capacity are eligible. Then, each criterion narrowing the pool only where someone matches:
 * the members the record's deal value band names (else reps); those covering the record's region
 * (else generalists without one); those covering its product line (else generalists); and finally
 * the least loaded, ties by id. Undefined when nobody is eligible: the task stays unassigned.
 */
export const chooseAssignee = (record: RelatedRecordFacts, candidates: readonly AssignmentCandidate[], bands: readonly DealValueBand[] = []): string | undefined => {
  let pool = candidates.filter((c) => c.active && (c.capacity === undefined || c.openTasks < c.capacity));
  const band = valueBandOf(record.value, bands);
  pool = band ? prefer(pool, (c) => band.memberIds.includes(c.memberId), (c) => c.role === 'rep') : prefer(pool, (c) => c.role === 'rep');
  if (record.region) pool = prefer(pool, (c) => same(c.region, record.region), (c) => c.region === undefined);
  if (record.productLine) pool = prefer(pool, (c) => c.productLines.some((line) => same(line, record.productLine)), (c) => c.productLines.length === 0);
  const [chosen] = [...pool].sort((a, b) => a.openTasks - b.openTasks || a.memberId.localeCompare(b.memberId));
  return chosen?.memberId;
};

import { RoutingCandidate, routeLead } from './routing';

const rep = (memberId: string, extra: Partial<RoutingCandidate> = {}): RoutingCandidate => ({ memberId, role: 'rep', active: true, productLines: [], openLeads: 0, ...extra });

describe('lead routing', () => {
  it('prefers reps in the lead’s region, then generalists', () => {
    const team = [rep('a', { region: 'EMEA' }), rep('b', { region: 'APAC' }), rep('c')];
    expect(routeLead({ region: 'emea' }, team)).toBe('a');
    expect(routeLead({ region: 'LATAM' }, team)).toBe('c');
  });

  it('prefers reps covering the product line', () => {
    const team = [rep('a', { productLines: ['analytics'] }), rep('b', { productLines: ['crm'] })];
    expect(routeLead({ productInterest: 'CRM' }, team)).toBe('b');
    expect(routeLead({ productInterest: 'billing' }, team)).toBeUndefined();
  });

  it('skips inactive reps, managers and reps at capacity', () => {
    const team = [rep('a', { active: false }), { ...rep('m'), role: 'manager' as const }, rep('b', { capacity: 2, openLeads: 2 }), rep('c', { capacity: 3, openLeads: 2 })];
    expect(routeLead({}, team)).toBe('c');
    expect(routeLead({}, team.slice(0, 3))).toBeUndefined();
  });

  it('rotates round-robin by last assignment', () => {
    const team = [rep('a', { lastAssignedAt: '2026-01-02T00:00:00Z' }), rep('b', { lastAssignedAt: '2026-01-01T00:00:00Z' }), rep('c', { lastAssignedAt: '2026-01-03T00:00:00Z' })];
    expect(routeLead({}, team)).toBe('b');
    expect(routeLead({}, [rep('z'), rep('y')])).toBe('y');
  });
});

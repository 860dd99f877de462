import { DealValueBand } from '@crm/contracts';
import { AssignmentCandidate, chooseAssignee, valueBandOf } from './assignment';
import { foldRelatedFacts } from './related-record';

const rep = (memberId: string, fields: Partial<AssignmentCandidate> = {}): AssignmentCandidate => ({ memberId, role: 'rep', active: true, productLines: [], openTasks: 0, ...fields });
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('assignment rules', () => {
  it('prefer the record’s region, then generalists', () => {
    const team = [rep('emea', { region: 'EMEA' }), rep('apac', { region: 'APAC' }), rep('any')];
    expect(chooseAssignee({ region: 'emea' }, team)).toBe('emea');
    expect(chooseAssignee({ region: 'LATAM' }, team)).toBe('any');
    expect(chooseAssignee({ region: 'LATAM' }, team.slice(0, 2))).toBe('apac'); // nobody covers it: the least loaded, ties by id
  });

  it('prefer members covering the product line, then generalists', () => {
    const team = [rep('a', { productLines: ['platform'] }), rep('b', { productLines: ['analytics'] }), rep('c')];
    expect(chooseAssignee({ productLine: 'Analytics' }, team)).toBe('b');
    expect(chooseAssignee({ productLine: 'services' }, team)).toBe('c');
  });

  it('balance by current load and respect capacity', () => {
    const team = [rep('a', { openTasks: 5 }), rep('b', { openTasks: 2 }), rep('c', { openTasks: 1, capacity: 1 })];
    expect(chooseAssignee({}, team)).toBe('b');
    expect(chooseAssignee({}, [rep('full', { openTasks: 3, capacity: 3 }), rep('gone', { active: false })])).toBeUndefined();
  });

  it('give reps the work; managers only when there is no rep', () => {
    expect(chooseAssignee({}, [rep('boss', { role: 'manager' }), rep('rep', { openTasks: 9 })])).toBe('rep');
    expect(chooseAssignee({}, [rep('boss', { role: 'manager' })])).toBe('boss');
  });

  it('route a record to the members of its deal value band', () => {
    const bands: DealValueBand[] = [
      { name: 'mid', minAmount: eur(1_000_000), memberIds: ['mid-rep'] },
      { name: 'enterprise', minAmount: eur(10_000_000), memberIds: ['ent-rep', 'vp'] },
    ];
    const team = [rep('small-rep'), rep('mid-rep', { openTasks: 3 }), rep('ent-rep', { openTasks: 4 }), rep('vp', { role: 'manager', openTasks: 1 })];
    expect(valueBandOf(eur(20_000_000), bands)?.name).toBe('enterprise');
    expect(valueBandOf({ amountMinor: 20_000_000, currency: 'USD' }, bands)).toBeUndefined();
    expect(chooseAssignee({ value: eur(50_000_000) }, team, bands)).toBe('vp');
    expect(chooseAssignee({ value: eur(2_000_000) }, team, bands)).toBe('mid-rep');
    expect(chooseAssignee({ value: eur(500) }, team, bands)).toBe('small-rep');
    // The band's members are all full: the rest of the team takes it rather than nobody.
    expect(chooseAssignee({ value: eur(2_000_000) }, [rep('mid-rep', { capacity: 1, openTasks: 1 }), rep('other', { openTasks: 7 })], bands)).toBe('other');
  });

  it('apply region and product line within the band', () => {
    const bands: DealValueBand[] = [{ name: 'big', minAmount: eur(100), memberIds: ['x', 'y'] }];
    const team = [rep('x', { region: 'APAC' }), rep('y', { region: 'EMEA', openTasks: 5 }), rep('z', { region: 'EMEA' })];
    expect(chooseAssignee({ value: eur(100), region: 'EMEA' }, team, bands)).toBe('y');
  });
});

describe('related record facts', () => {
  const leadId = '11111111-2222-4333-8444-555555555555';
  const opportunityId = '99999999-2222-4333-8444-555555555555';

  it('learn a lead’s owner and criteria from its events', () => {
    const facts = foldRelatedFacts({ type: 'lead', id: leadId }, [
      { type: 'LeadCaptured', data: { leadId, name: 'Ada', source: 'web', region: 'EMEA', productInterest: 'platform', estimatedValue: eur(5000) } },
      { type: 'LeadScored', data: { leadId, score: 3, contributions: {} } },
      { type: 'LeadAssigned', data: { leadId, ownerId: 'rep-1', routedBy: 'rules' } },
      { type: 'LeadUpdated', data: { leadId, changes: { region: 'APAC' } } },
      { type: 'LeadAssigned', data: { leadId: 'another', ownerId: 'rep-9', routedBy: 'rules' } },
    ]);
    expect(facts).toEqual({ ownerId: 'rep-1', region: 'APAC', productLine: 'platform', value: eur(5000) });
  });

  it('learn an opportunity’s owner from its events, and its region from the conversion that opened it', () => {
    const facts = foldRelatedFacts({ type: 'opportunity', id: opportunityId }, [
      {
        type: 'LeadConverted',
        data: { leadId, opportunityId, opportunityName: 'x', accountName: 'x', amount: eur(100), productType: 'platform', expectedCloseDate: '2026-06-30', source: 'web', region: 'EMEA', ownerId: 'rep-1' },
      },
      { type: 'OpportunityOpened', data: { opportunityId, name: 'x', accountName: 'x', amount: eur(200), productType: 'platform', ownerId: 'rep-2', stage: 'Prospecting', expectedCloseDate: '2026-06-30' } },
      { type: 'OpportunityUpdated', data: { opportunityId, changes: { ownerId: 'rep-3' } } },
      { type: 'OpportunityStageChanged', data: { opportunityId, from: 'Prospecting', to: 'Proposal' } },
    ]);
    expect(facts).toEqual({ ownerId: 'rep-3', region: 'EMEA', productLine: 'platform', value: eur(200), stage: 'Proposal' });
  });
});

import { accessScope, canAccess, DirectoryMember, scopeSql } from './record-access';

// M manages R1 (EMEA) and R2 (APAC); M2 manages R3 (EMEA); M is under the VP V; R4 has no manager.
const directory: DirectoryMember[] = [
  { memberId: 'V' },
  { memberId: 'M', managerId: 'V', region: 'NA' },
  { memberId: 'R1', managerId: 'M', region: 'EMEA' },
  { memberId: 'R2', managerId: 'M', region: ' apac ' },
  { memberId: 'M2', managerId: null },
  { memberId: 'R3', managerId: 'M2', region: 'EMEA' },
  { memberId: 'R4', region: null },
];

const rep = (userId: string) => ({ userId, roles: ['rep' as const] });
const manager = (userId: string) => ({ userId, roles: ['manager' as const] });

describe('record access', () => {
  it.each([
    ['admin', { userId: 'A', roles: ['admin' as const] }],
    ['integration', { userId: 'I', roles: ['integration' as const] }],
    ['a rep who is also admin', { userId: 'R1', roles: ['rep' as const, 'admin' as const] }],
  ])('gives %s the whole tenant', (_name, actor) => {
    expect(accessScope(actor, directory)).toEqual({ tenantWide: true });
    expect(canAccess(actor, { ownerId: 'R3' }, directory)).toBe(true);
    expect(canAccess(actor, { ownerId: null, unassignedRegion: 'LATAM' }, directory)).toBe(true);
  });

  it('gives a rep their own records and the unassigned leads of their region only', () => {
    expect(accessScope(rep('R1'), directory)).toEqual({ tenantWide: false, ownerIds: ['R1'], unassignedRegions: ['emea'] });
    expect(canAccess(rep('R1'), { ownerId: 'R1' }, directory)).toBe(true);
    expect(canAccess(rep('R1'), { ownerId: 'R3' }, directory)).toBe(false);
    expect(canAccess(rep('R1'), { ownerId: 'R2' }, directory)).toBe(false);
    expect(canAccess(rep('R1'), { ownerId: null, unassignedRegion: ' emea' }, directory)).toBe(true);
    expect(canAccess(rep('R1'), { ownerId: null, unassignedRegion: 'APAC' }, directory)).toBe(false);
    // An unowned record that is not a lead (no region to pick it up by) is nobody's but the tenant-wide roles'.
    expect(canAccess(rep('R1'), { ownerId: null }, directory)).toBe(false);
    // An owned lead in the rep's region is its owner's, not the region's.
    expect(canAccess(rep('R1'), { ownerId: 'R3', unassignedRegion: 'EMEA' }, directory)).toBe(false);
  });

  it('gives a rep missing from the directory their own records and no region', () => {
    expect(accessScope(rep('X'), directory)).toEqual({ tenantWide: false, ownerIds: ['X'], unassignedRegions: [] });
    expect(canAccess(rep('R4'), { ownerId: null, unassignedRegion: 'EMEA' }, directory)).toBe(false);
  });

  it('gives a manager the records of everyone under them, transitively, and their regions’ unassigned leads', () => {
    expect(accessScope(manager('M'), directory)).toEqual({ tenantWide: false, ownerIds: ['M', 'R1', 'R2'], unassignedRegions: ['apac', 'emea', 'na'] });
    expect(accessScope(manager('V'), directory)).toMatchObject({ ownerIds: ['M', 'R1', 'R2', 'V'] });
    expect(canAccess(manager('M'), { ownerId: 'R2' }, directory)).toBe(true);
    expect(canAccess(manager('M'), { ownerId: 'R3' }, directory)).toBe(false);
    expect(canAccess(manager('M2'), { ownerId: 'R1' }, directory)).toBe(false);
    expect(canAccess(manager('M2'), { ownerId: null, unassignedRegion: 'APAC' }, directory)).toBe(false);
    expect(canAccess(manager('M'), { ownerId: null, unassignedRegion: 'APAC' }, directory)).toBe(true);
  });

  it('does not follow a reporting cycle forever', () => {
    const cyclic: DirectoryMember[] = [
      { memberId: 'A', managerId: 'B' },
      { memberId: 'B', managerId: 'A' },
    ];
    expect(accessScope(manager('A'), cyclic)).toEqual({ tenantWide: false, ownerIds: ['A', 'B'], unassignedRegions: [] });
  });

  it('a rep token does not act as a manager even if the directory lists reports', () => {
    expect(canAccess(rep('M'), { ownerId: 'R1' }, directory)).toBe(false);
  });

  it('turns a scope into a SQL condition with bound values', () => {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    expect(scopeSql({ tenantWide: true }, 'owner_id', param)).toBeUndefined();
    expect(scopeSql(accessScope(rep('R1'), directory), 'owner_id', param, 'region')).toBe(
      "(owner_id = ANY($1::text[]) OR (owner_id IS NULL AND lower(btrim(region)) = ANY($2::text[])))",
    );
    expect(scopeSql(accessScope(rep('R1'), directory), 'assignee_id', param)).toBe('(assignee_id = ANY($3::text[]))');
    expect(params).toEqual([['R1'], ['emea'], ['R1']]);
  });
});

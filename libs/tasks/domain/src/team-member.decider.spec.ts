import { TeamMemberUpserted } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { TeamMember, teamMemberDecider } from './team-member.decider';

describe('team member decider', () => {
  const spec = deciderSpec(teamMemberDecider);
  const member: TeamMember = { memberId: 'rep-1', name: 'Ada', email: 'ada@example.com', role: 'rep', region: 'EMEA', productLines: ['platform'], capacity: 20, active: true };
  const at = '2026-04-01T09:00:00.000Z';
  const upserted: TeamMemberUpserted = { type: 'TeamMemberUpserted', occurredAt: at, data: member };

  it('adds a member', () => {
    spec.given([]).when({ type: 'UpsertTeamMember', member, at }).then([upserted]);
  });

  it('replaces the whole record: an omitted optional field is cleared', () => {
    const { region: _region, capacity: _capacity, ...rest } = member;
    spec
      .given([upserted])
      .when({ type: 'UpsertTeamMember', member: { ...rest, managerId: 'mgr-1' }, at })
      .then([{ type: 'TeamMemberUpserted', occurredAt: at, data: { ...rest, managerId: 'mgr-1' } }]);
  });

  it('records the team, and an upsert without it clears it', () => {
    const inTeam: TeamMemberUpserted = { type: 'TeamMemberUpserted', occurredAt: at, data: { ...member, teamId: 'team-emea' } };
    spec.given([upserted]).when({ type: 'UpsertTeamMember', member: { ...member, teamId: 'team-emea' }, at }).then([inTeam]);
    spec.given([inTeam]).when({ type: 'UpsertTeamMember', member, at }).then([upserted]);
    const { evolve, initialState } = teamMemberDecider;
    expect(evolve(evolve(initialState(), inTeam), upserted)).toEqual(expect.objectContaining({ exists: true, teamId: undefined }));
  });

  it('records nothing when the same record is put again', () => {
    spec.given([upserted]).when({ type: 'UpsertTeamMember', member: { ...member }, at }).thenNothing();
  });

  it('records a deactivation', () => {
    spec.given([upserted]).when({ type: 'UpsertTeamMember', member: { ...member, active: false }, at }).then([{ type: 'TeamMemberUpserted', occurredAt: at, data: { ...member, active: false } }]);
  });

  it('refuses a member who manages themselves', () => {
    spec
      .given([])
      .when({ type: 'UpsertTeamMember', member: { ...member, managerId: 'rep-1' }, at })
      .thenThrows(CommandRejected, (error) => expect(error).toMatchObject({ kind: 'invalid', code: 'self-managed' }));
  });
});

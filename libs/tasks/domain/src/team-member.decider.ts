import { TeamMemberUpserted } from '@crm/contracts';
import { CommandRejected, Decider } from '@crm/event-sourcing';

export type TeamMember = TeamMemberUpserted['data'];

export type TeamMemberState = { exists: false } | ({ exists: true; since: string } & TeamMember);

/** `PUT /team/members/{id}`: the whole record, replacing what was there. */
export type UpsertTeamMember = { type: 'UpsertTeamMember'; member: TeamMember; at: string };

export type TeamMemberCommand = UpsertTeamMember;

const sameMember = (state: TeamMemberState, member: TeamMember): boolean => {
  if (!state.exists) return false;
  const { exists: _exists, since: _since, ...current } = state;
  return JSON.stringify(canonical(current)) === JSON.stringify(canonical(member));
};

const canonical = (member: TeamMember) => ({
  memberId: member.memberId,
  name: member.name,
  email: member.email,
  role: member.role,
  managerId: member.managerId ?? null,
  region: member.region ?? null,
  teamId: member.teamId ?? null,
  productLines: member.productLines,
  capacity: member.capacity ?? null,
  active: member.active,
});

export const decideTeamMember = (command: TeamMemberCommand, state: TeamMemberState): TeamMemberUpserted[] => {
  switch (command.type) {
    case 'UpsertTeamMember': {
      const { member } = command;
      if (member.managerId !== undefined && member.managerId === member.memberId) {
        throw new CommandRejected('invalid', 'self-managed', 'a team member cannot be their own manager', { managerId: member.managerId });
      }
      // A repeated PUT of the same record changes nothing and records nothing.
      if (sameMember(state, member)) return [];
      const data: TeamMember = {
        memberId: member.memberId,
        name: member.name,
        email: member.email,
        role: member.role,
        ...(member.managerId !== undefined ? { managerId: member.managerId } : {}),
        ...(member.region !== undefined ? { region: member.region } : {}),
        ...(member.teamId !== undefined ? { teamId: member.teamId } : {}),
        productLines: member.productLines,
        ...(member.capacity !== undefined ? { capacity: member.capacity } : {}),
        active: member.active,
      };
      return [{ type: 'TeamMemberUpserted', occurredAt: command.at, data }];
    }
    default: {
      const unreachable: never = command.type;
      return unreachable;
    }
  }
};

export const evolveTeamMember = (state: TeamMemberState, event: TeamMemberUpserted & { occurredAt?: string }): TeamMemberState => {
  switch (event.type) {
    case 'TeamMemberUpserted': {
      const { managerId, region, teamId, capacity, ...rest } = event.data;
      // Absent optional fields clear earlier values: an upsert replaces the whole record.
      return { exists: true, since: state.exists ? state.since : (event.occurredAt ?? ''), ...rest, managerId, region, teamId, capacity };
    }
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
};

export const teamMemberDecider: Decider<TeamMemberCommand, TeamMemberUpserted, TeamMemberState> = {
  decide: decideTeamMember,
  evolve: evolveTeamMember,
  initialState: () => ({ exists: false }),
};

import { EventEnvelope, TeamMemberUpserted } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { quoteIdent } from './tasks.schema';

/**
 * The team directory the assignment rules choose from; upserted in the subscription's transaction,
 * and by the upsert command itself (so the rules see a member as soon as the command answered). A
 * member's row only moves forward: an event at or below the revision it holds changes nothing.
 */
export const projectTeamEvents = async (events: EventEnvelope[], tx: SqlExecutor, schema: string): Promise<void> => {
  const table = `${quoteIdent(schema)}.team_members`;
  for (const event of events) {
    // The team category also holds the tenant's automation rules: not part of the directory.
    if (event.type !== 'TeamMemberUpserted') continue;
    const member = event.data as TeamMemberUpserted['data'];
    await tx.query(
      `INSERT INTO ${table} (tenant_id, member_id, name, email, role, manager_id, region, team_id, product_lines, capacity, active, since, updated_at, revision, position)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12,$13,$14)
       ON CONFLICT (tenant_id, member_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, role = EXCLUDED.role,
         manager_id = EXCLUDED.manager_id, region = EXCLUDED.region, team_id = EXCLUDED.team_id,
         product_lines = EXCLUDED.product_lines, capacity = EXCLUDED.capacity,
         active = EXCLUDED.active, updated_at = EXCLUDED.updated_at, revision = EXCLUDED.revision, position = EXCLUDED.position
       WHERE ${table}.revision < EXCLUDED.revision`,
      [
        event.metadata.tenantId,
        member.memberId,
        member.name,
        member.email,
        member.role,
        member.managerId ?? null,
        member.region ?? null,
        member.teamId ?? null,
        member.productLines,
        member.capacity ?? null,
        member.active,
        event.occurredAt,
        event.revision,
        event.globalPosition,
      ],
    );
  }
};

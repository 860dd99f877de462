import { DealValueBand, TaskAssignmentSource, TeamRole } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { chooseAssignee, RelatedRecordFacts } from '@crm/tasks-domain';
import { quoteIdent } from './tasks.schema';

export type Assignment = { assigneeId?: string; assignedBy?: TaskAssignmentSource };

/**
 * Who gets a task nobody named: the related record's owner, unless the directory lists them as
 * inactive; otherwise the assignment rules over the team directory and the current open-task load.
 */
export class Assigner {
  constructor(private readonly schema: string) {}

  async assign(executor: SqlExecutor, tenantId: string, facts: RelatedRecordFacts, bands: readonly DealValueBand[]): Promise<Assignment> {
    const s = quoteIdent(this.schema);
    if (facts.ownerId) {
      const { rows } = await executor.query<{ active: boolean }>(`SELECT active FROM ${s}.team_members WHERE tenant_id = $1 AND member_id = $2`, [tenantId, facts.ownerId]);
      // An owner missing from the directory still owns the record: the directory may be incomplete.
      if (!rows[0] || rows[0].active) return { assigneeId: facts.ownerId, assignedBy: 'record-owner' };
    }
    const { rows } = await executor.query<{
      member_id: string;
      role: TeamRole;
      active: boolean;
      region: string | null;
      product_lines: string[];
      capacity: number | null;
      open_tasks: string;
    }>(
      `SELECT m.member_id, m.role, m.active, m.region, m.product_lines, m.capacity,
              (SELECT count(*) FROM ${s}.task_view t WHERE t.tenant_id = m.tenant_id AND t.assignee_id = m.member_id AND t.status = 'open') AS open_tasks
         FROM ${s}.team_members m WHERE m.tenant_id = $1 AND m.active`,
      [tenantId],
    );
    const chosen = chooseAssignee(
      facts,
      rows.map((row) => ({
        memberId: row.member_id,
        role: row.role,
        active: row.active,
        region: row.region ?? undefined,
        productLines: row.product_lines,
        capacity: row.capacity ?? undefined,
        openTasks: Number(row.open_tasks),
      })),
      bands,
    );
    return chosen ? { assigneeId: chosen, assignedBy: 'rules' } : {};
  }
}

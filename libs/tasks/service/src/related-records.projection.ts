import { EventEnvelope } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { RelatedRecordFacts, relatedFactsChange } from '@crm/tasks-domain';
import { quoteIdent } from './tasks.schema';

/**
 * Records what one lead or opportunity event says about its record's owner and assignment
 * criteria, in the subscription's transaction. Returns whether the event concerned a record.
 */
export const applyRelatedRecordEvent = async (event: EventEnvelope, tx: SqlExecutor, schema: string): Promise<boolean> => {
  const change = relatedFactsChange(event);
  if (!change) return false;
  const table = `${quoteIdent(schema)}.related_records`;
  const tenantId = event.metadata.tenantId;
  const { rows } = await tx.query<{ facts: RelatedRecordFacts }>(`SELECT facts FROM ${table} WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3 FOR UPDATE`, [
    tenantId,
    change.record.type,
    change.record.id,
  ]);
  const facts = change.apply(rows[0]?.facts ?? {});
  await tx.query(
    `INSERT INTO ${table} (tenant_id, record_type, record_id, owner_id, facts, position, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT (tenant_id, record_type, record_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, facts = EXCLUDED.facts,
       position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
    [tenantId, change.record.type, change.record.id, facts.ownerId ?? null, JSON.stringify(facts), event.globalPosition, event.recordedAt],
  );
  return true;
};

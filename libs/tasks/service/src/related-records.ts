import { EventEnvelope, RelatedRecord, streamId } from '@crm/contracts';
import { EventStore, SqlExecutor } from '@crm/event-sourcing';
import { ForeignEvent, RelatedRecordFacts, relatedFactsChange } from '@crm/tasks-domain';
import { quoteIdent } from './tasks.schema';

export type ResolvedRecord = {
  /** The record is known to this tenant: from its consumed events or from its own stream. */
  exists: boolean;
  facts: RelatedRecordFacts;
  /** The record's own events, when the store holds its stream (embedded mode); else empty. */
  events: EventEnvelope[];
};

/**
 * What this context knows of a lead, opportunity, account or contact: the table its consumers keep, brought up to
 * date with the record's own stream where the store has it, so that a task created right after a
 * lead was assigned goes to the new owner even before the consumer has seen the assignment.
 */
export class RelatedRecords {
  constructor(
    private readonly store: EventStore,
    private readonly schema: string,
  ) {}

  async known(executor: SqlExecutor, tenantId: string, record: RelatedRecord): Promise<{ facts: RelatedRecordFacts; position: number } | undefined> {
    const { rows } = await executor.query<{ facts: RelatedRecordFacts; position: string }>(
      `SELECT facts, position FROM ${quoteIdent(this.schema)}.related_records WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3`,
      [tenantId, record.type, record.id],
    );
    return rows[0] ? { facts: rows[0].facts, position: Number(rows[0].position) } : undefined;
  }

  async resolve(executor: SqlExecutor, tenantId: string, record: RelatedRecord): Promise<ResolvedRecord> {
    const [known, stream] = await Promise.all([this.known(executor, tenantId, record), this.store.readStream(streamId(record.type, record.id))]);
    // Another tenant's record is indistinguishable from a missing one.
    const events = stream.events.length > 0 && stream.events[0].metadata.tenantId === tenantId ? stream.events : [];
    const after = known?.position ?? 0;
    const facts = events
      .filter((event) => event.globalPosition > after)
      .reduce<RelatedRecordFacts>((current, event) => applyOwn(record, current, event), known?.facts ?? {});
    const exists = known !== undefined || events.length > 0;
    // A contact has no region of its own, and may have no owner: its account's stand in.
    if (exists && record.type === 'contact' && facts.accountId && (facts.region === undefined || facts.ownerId === undefined)) {
      const account = await this.resolve(executor, tenantId, { type: 'account', id: facts.accountId });
      const inherited = { ownerId: account.facts.ownerId, region: account.facts.region };
      return { exists, facts: { ...Object.fromEntries(Object.entries(inherited).filter(([, value]) => value !== undefined)), ...facts }, events };
    }
    return { exists, facts, events };
  }
}

const applyOwn = (record: RelatedRecord, facts: RelatedRecordFacts, event: ForeignEvent): RelatedRecordFacts => {
  const change = relatedFactsChange(event);
  return change && change.record.type === record.type && change.record.id === record.id ? change.apply(facts) : facts;
};

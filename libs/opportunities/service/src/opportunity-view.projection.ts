import { ActivityLogged, categoryOf, EventEnvelope, formatMoney, idOf, isUuid } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { evolveOpportunity, Opportunity, OpportunityState, OpportunityStreamEvent } from '@crm/opportunities-domain';
import { OpportunityTables } from './opportunities.schema';

/** The tasks service's categories whose ActivityLogged events move a deal's last activity. */
export const activityCategories = ['activity', 'task'] as const;

type Entry = { state: OpportunityState; tenantId: string; revision: number; position: number; updatedAt: string };

/** The deal an ActivityLogged event is about, if it is about one. */
export const activityTarget = (event: EventEnvelope): string | undefined => {
  if (event.type !== 'ActivityLogged') return undefined;
  const related = (event.data as Partial<ActivityLogged['data']>).related;
  return related?.type === 'opportunity' && typeof related.id === 'string' && isUuid(related.id) ? related.id.toLowerCase() : undefined;
};

/**
 * Folds deal events into the view with the domain's own `evolve`, and records the latest logged
 * activity per deal, inside the subscription's transaction (the checkpoint moves with it, so each
 * event is applied exactly once, and a replay from zero builds the same rows).
 */
export const projectOpportunityEvents = async (events: EventEnvelope[], tx: SqlExecutor, tables: OpportunityTables): Promise<void> => {
  const touched = new Set<string>();
  for (const event of events) {
    const target = activityTarget(event);
    if (!target) continue;
    // The latest business time wins: a backdated import does not move it back.
    await tx.query(
      `INSERT INTO ${tables.activity} (tenant_id, opportunity_id, last_activity_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, opportunity_id) DO UPDATE SET last_activity_at = GREATEST(${tables.activity}.last_activity_at, EXCLUDED.last_activity_at)`,
      [event.metadata.tenantId, target, event.occurredAt],
    );
    touched.add(target);
  }

  const deals = events.filter((event) => categoryOf(event.streamId) === 'opportunity' && isUuid(idOf(event.streamId)));
  if (deals.length > 0) {
    const ids = [...new Set(deals.map((event) => idOf(event.streamId).toLowerCase()))];
    const { rows } = await tx.query<{ opportunity_id: string; state: OpportunityState; tenant_id: string }>(
      `SELECT opportunity_id, state, tenant_id FROM ${tables.view} WHERE opportunity_id = ANY($1::uuid[]) FOR UPDATE`,
      [ids],
    );
    const states = new Map<string, Entry>(rows.map((row) => [row.opportunity_id, { state: row.state, tenantId: row.tenant_id, revision: -1, position: 0, updatedAt: '' }]));
    for (const event of deals) {
      const id = idOf(event.streamId).toLowerCase();
      const current = states.get(id) ?? { state: { exists: false }, tenantId: event.metadata.tenantId, revision: -1, position: 0, updatedAt: '' };
      const state = evolveOpportunity(current.state, { type: event.type, data: event.data, occurredAt: event.occurredAt } as OpportunityStreamEvent);
      states.set(id, { state, tenantId: current.tenantId, revision: event.revision, position: event.globalPosition, updatedAt: event.recordedAt });
      touched.add(id);
    }
    for (const [id, entry] of states) {
      if (!entry.state.exists || entry.revision < 0) continue;
      await upsert(tx, tables, id, entry.tenantId, entry.state, entry);
    }
  }

  if (touched.size > 0) {
    await tx.query(
      `UPDATE ${tables.view} v SET last_activity_at = a.last_activity_at FROM ${tables.activity} a
        WHERE v.opportunity_id = ANY($1::uuid[]) AND a.tenant_id = v.tenant_id AND a.opportunity_id = v.opportunity_id
          AND v.last_activity_at IS DISTINCT FROM a.last_activity_at`,
      [[...touched]],
    );
  }
};

const upsert = async (tx: SqlExecutor, tables: OpportunityTables, id: string, tenantId: string, deal: Opportunity, entry: Entry) => {
  await tx.query(
    `INSERT INTO ${tables.view} (opportunity_id, tenant_id, status, stage, name, account_name, owner_id, product_type, amount_minor, currency, amount,
                                 expected_close_date, lead_id, opened_at, stage_entered_at, closed_at, stale_idle_since, updated_at, revision, position, state)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)
     ON CONFLICT (opportunity_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage, name = EXCLUDED.name, account_name = EXCLUDED.account_name,
       owner_id = EXCLUDED.owner_id, product_type = EXCLUDED.product_type, amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency,
       amount = EXCLUDED.amount, expected_close_date = EXCLUDED.expected_close_date, stage_entered_at = EXCLUDED.stage_entered_at,
       closed_at = EXCLUDED.closed_at, stale_idle_since = EXCLUDED.stale_idle_since, updated_at = EXCLUDED.updated_at,
       revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
    [
      id,
      tenantId,
      deal.status,
      deal.stage,
      deal.name,
      deal.accountName,
      deal.ownerId,
      deal.productType,
      deal.amount.amountMinor,
      deal.amount.currency,
      formatMoney(deal.amount).amount,
      deal.expectedCloseDate,
      deal.leadId && isUuid(deal.leadId) ? deal.leadId : null,
      deal.openedAt,
      deal.stageEnteredAt,
      deal.closedAt ?? null,
      deal.staleIdleSince ?? null,
      entry.updatedAt,
      entry.revision,
      entry.position,
      JSON.stringify(deal),
    ],
  );
};

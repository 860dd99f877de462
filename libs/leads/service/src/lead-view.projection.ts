import { EventEnvelope, LeadEvent, SqlExecutorLike } from './types';
import { evolveLead, LeadState, OpenLead } from '@crm/leads-domain';

type Row = { lead_id: string; state: LeadState };

/**
 * Folds lead events into `leads.lead_view` with the domain's own `evolve`, inside the subscription's
 * transaction (the checkpoint moves with it, so each event is applied exactly once). The events
 * come opened (personal fields in plaintext, or null once shredded): the view keeps plaintext for
 * search and sorting, and LeadErased clears it, as it does on every replay.
 */
export const projectLeadEvents = async (events: EventEnvelope[], tx: SqlExecutorLike): Promise<void> => {
  const ids = [...new Set(events.map((event) => (event.data as { leadId: string }).leadId))];
  const { rows } = await tx.query<Row>('SELECT lead_id, state FROM leads.lead_view WHERE lead_id = ANY($1::uuid[]) FOR UPDATE', [ids]);
  const states = new Map<string, { state: LeadState; tenantId: string; revision: number; position: number; capturedAt?: string; updatedAt: string }>();
  for (const row of rows) states.set(row.lead_id, { state: row.state, tenantId: '', revision: 0, position: 0, updatedAt: '' });

  for (const event of events) {
    const leadId = (event.data as { leadId: string }).leadId;
    const current = states.get(leadId) ?? { state: { exists: false } as LeadState, tenantId: '', revision: -1, position: 0, updatedAt: '' };
    const state = evolveLead(current.state, { type: event.type, data: event.data, occurredAt: event.occurredAt } as LeadEvent & { occurredAt: string });
    states.set(leadId, { state, tenantId: event.metadata.tenantId, revision: event.revision, position: event.globalPosition, updatedAt: event.recordedAt });
  }

  for (const [leadId, entry] of states) {
    if (!entry.state.exists || entry.tenantId === '') continue;
    const lead: OpenLead = entry.state;
    await tx.query(
      `INSERT INTO leads.lead_view (lead_id, tenant_id, status, name, email, phone, company, owner_id, source, score, region, product_interest,
                                    possible_duplicate_of, merged_into, captured_at, updated_at, revision, position, state, erased)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
       ON CONFLICT (lead_id) DO UPDATE SET status = EXCLUDED.status, name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
         company = EXCLUDED.company, owner_id = EXCLUDED.owner_id, score = EXCLUDED.score, region = EXCLUDED.region,
         product_interest = EXCLUDED.product_interest, possible_duplicate_of = EXCLUDED.possible_duplicate_of, merged_into = EXCLUDED.merged_into,
         updated_at = EXCLUDED.updated_at, revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state, erased = EXCLUDED.erased`,
      [
        leadId,
        entry.tenantId,
        lead.status,
        lead.profile.name ?? null,
        lead.profile.email ?? null,
        lead.profile.phone ?? null,
        lead.profile.company ?? null,
        lead.ownerId ?? null,
        lead.source,
        lead.score?.score ?? null,
        lead.profile.region ?? null,
        lead.profile.productInterest ?? null,
        lead.possibleDuplicateOf ?? null,
        lead.mergedInto ?? null,
        lead.capturedAt,
        entry.updatedAt,
        entry.revision,
        entry.position,
        JSON.stringify(lead),
        lead.erased === true,
      ],
    );
  }
};

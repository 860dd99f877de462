import { EventStore } from '@crm/event-sourcing';
import { leadStreamId } from '@crm/leads-domain';
import { Pool } from 'pg';

export type ContactKey = { kind: 'email' | 'phone'; value: string };

export type Reservation =
  | { ok: true; release: () => Promise<void> }
  | { ok: false; existingLeadId: string; key: ContactKey };

/** A reservation younger than this may belong to a capture still being appended. */
const inFlightMs = 30_000;

/**
 * Dedupe by reserving normalised e-mail and phone keys per tenant before the capture is appended.
 * A reservation whose lead never got a stream (the process died between reserving and appending)
 * is taken over once it is older than a capture can take.
 */
export class ContactKeys {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
  ) {}

  async reserve(tenantId: string, leadId: string, keys: ContactKey[]): Promise<Reservation> {
    const taken: ContactKey[] = [];
    const release = async () => {
      for (const key of taken) {
        await this.pool.query('DELETE FROM leads.contact_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND lead_id = $4', [tenantId, key.kind, key.value, leadId]);
      }
    };
    for (const key of keys) {
      for (let attempt = 1; ; attempt++) {
        const inserted = await this.pool.query(
          'INSERT INTO leads.contact_keys (tenant_id, kind, value, lead_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [tenantId, key.kind, key.value, leadId],
        );
        if (inserted.rowCount === 1) {
          taken.push(key);
          break;
        }
        const holder = await this.holder(tenantId, key);
        if (holder === leadId) break;
        if (holder !== undefined || attempt >= 3) {
          await release();
          return { ok: false, existingLeadId: holder ?? leadId, key };
        }
      }
    }
    return { ok: true, release };
  }

  /** Moves keys to another lead (after an update or a merge). */
  async replace(tenantId: string, leadId: string, remove: ContactKey[]): Promise<void> {
    for (const key of remove) {
      await this.pool.query('DELETE FROM leads.contact_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND lead_id = $4', [tenantId, key.kind, key.value, leadId]);
    }
  }

  /** The lead holding a key, or undefined when the key is free or its holder is an abandoned reservation (taken over). */
  private async holder(tenantId: string, key: ContactKey): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ lead_id: string; age_ms: number }>(
      'SELECT lead_id, extract(epoch FROM now() - reserved_at) * 1000 AS age_ms FROM leads.contact_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3',
      [tenantId, key.kind, key.value],
    );
    if (rows.length === 0) return undefined;
    const [{ lead_id: leadId, age_ms: ageMs }] = rows;
    if (ageMs < inFlightMs) return leadId;
    const { revision } = await this.store.readStream(leadStreamId(leadId), { maxCount: 1 });
    if (revision >= 0) return leadId;
    await this.pool.query('DELETE FROM leads.contact_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND lead_id = $4', [tenantId, key.kind, key.value, leadId]);
    return undefined;
  }
}

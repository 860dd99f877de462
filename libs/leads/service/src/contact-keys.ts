import { createHmac, randomBytes } from 'node:crypto';
import { EventStore } from '@crm/event-sourcing';
import { leadStreamId } from '@crm/leads-domain';
import { Pool } from 'pg';

/** Lead and contact keys (`email`, `phone`) and account keys (`domain`, `name`). */
export type ContactKey = { kind: 'email' | 'phone' | 'domain' | 'name'; value: string };

export type Reservation =
  | { ok: true; release: () => Promise<void> }
  | { ok: false; existingLeadId: string; key: ContactKey };

/** A reservation younger than this may belong to a capture still being appended. */
const inFlightMs = 30_000;

/** Marks a stored key value as a keyed hash (older rows held the normalised address itself). */
const hashedPrefix = 'h1:';

/**
 * Dedupe by reserving normalised e-mail and phone keys per tenant before the capture is appended.
 * A reservation whose lead never got a stream (the process died between reserving and appending)
 * is taken over once it is older than a capture can take. Keys are stored as an HMAC under a
 * per-tenant secret, so the table holds no address in the clear; erasing a lead deletes its keys.
 */
export class ContactKeys {
  /**
   * `table` (with the holder's id in `column`) and `streamOf` make the same reservation serve
   * leads (the default), contacts and accounts.
   */
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly table = 'leads.contact_keys',
    private readonly column = 'lead_id',
    private readonly streamOf: (id: string) => string = leadStreamId,
  ) {}

  private readonly secrets = new Map<string, Promise<Buffer>>();

  async reserve(tenantId: string, leadId: string, keys: ContactKey[]): Promise<Reservation> {
    const taken: ContactKey[] = [];
    const release = async () => {
      for (const { kind, value } of taken) {
        await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND ${this.column} = $4`, [tenantId, kind, value, leadId]);
      }
    };
    for (const key of keys) {
      const value = await this.hashed(tenantId, key);
      for (let attempt = 1; ; attempt++) {
        const inserted = await this.pool.query(
          `INSERT INTO ${this.table} (tenant_id, kind, value, ${this.column}) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [tenantId, key.kind, value, leadId],
        );
        if (inserted.rowCount === 1) {
          taken.push({ kind: key.kind, value });
          break;
        }
        const holder = await this.holder(tenantId, key.kind, value);
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
      await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND ${this.column} = $4`, [tenantId, key.kind, await this.hashed(tenantId, key), leadId]);
    }
  }

  /** The holder of a key (an abandoned reservation does not count), undefined when it is free. */
  async holderOf(tenantId: string, key: ContactKey): Promise<string | undefined> {
    return this.holder(tenantId, key.kind, await this.hashed(tenantId, key));
  }

  /** Frees every key a lead holds (its person was erased): the address may be captured afresh. */
  async forget(tenantId: string, leadId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND ${this.column} = $2`, [tenantId, leadId]);
  }

  /** Replaces keys stored in the clear (before hashing existed) by their hashes; run at start-up. */
  async hashClearKeys(): Promise<number> {
    const { rows } = await this.pool.query<{ tenant_id: string; kind: ContactKey['kind']; value: string }>(
      `SELECT tenant_id, kind, value FROM ${this.table} WHERE value NOT LIKE '${hashedPrefix}%'`,
    );
    for (const row of rows) {
      await this.pool.query(
        `WITH clear AS (DELETE FROM ${this.table} WHERE tenant_id = $1 AND kind = $2 AND value = $3 RETURNING tenant_id, kind, ${this.column}, reserved_at)
         INSERT INTO ${this.table} (tenant_id, kind, value, ${this.column}, reserved_at) SELECT tenant_id, kind, $4, ${this.column}, reserved_at FROM clear ON CONFLICT DO NOTHING`,
        [row.tenant_id, row.kind, row.value, await this.hashed(row.tenant_id, { kind: row.kind, value: row.value })],
      );
    }
    return rows.length;
  }

  private async hashed(tenantId: string, key: ContactKey): Promise<string> {
    const secret = await this.secret(tenantId);
    return `${hashedPrefix}${createHmac('sha256', secret).update(`${key.kind}:${key.value}`).digest('base64url')}`;
  }

  /** The tenant's HMAC secret, made on first use; it never changes, so it is kept once read. */
  private secret(tenantId: string): Promise<Buffer> {
    let secret = this.secrets.get(tenantId);
    if (!secret) {
      secret = (async () => {
        await this.pool.query('INSERT INTO leads.tenant_secrets (tenant_id, contact_key_secret) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tenantId, randomBytes(32)]);
        const { rows } = await this.pool.query<{ contact_key_secret: Buffer }>('SELECT contact_key_secret FROM leads.tenant_secrets WHERE tenant_id = $1', [tenantId]);
        return rows[0].contact_key_secret;
      })();
      secret.catch(() => this.secrets.delete(tenantId));
      this.secrets.set(tenantId, secret);
    }
    return secret;
  }

  /** The lead holding a key, or undefined when the key is free or its holder is an abandoned reservation (taken over). */
  private async holder(tenantId: string, kind: ContactKey['kind'], value: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ lead_id: string; age_ms: number }>(
      `SELECT ${this.column} AS lead_id, extract(epoch FROM now() - reserved_at) * 1000 AS age_ms FROM ${this.table} WHERE tenant_id = $1 AND kind = $2 AND value = $3`,
      [tenantId, kind, value],
    );
    if (rows.length === 0) return undefined;
    const [{ lead_id: leadId, age_ms: ageMs }] = rows;
    if (ageMs < inFlightMs) return leadId;
    const { revision } = await this.store.readStream(this.streamOf(leadId), { maxCount: 1 });
    if (revision >= 0) return leadId;
    await this.pool.query(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND kind = $2 AND value = $3 AND ${this.column} = $4`, [tenantId, kind, value, leadId]);
    return undefined;
  }
}

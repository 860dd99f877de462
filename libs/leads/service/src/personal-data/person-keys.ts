import { randomBytes } from 'node:crypto';
import { SqlExecutorLike } from '../types';
import { personKeyLength, PersonKey, PersonKeyStore } from './personal-data.cipher';

type Row = { key: Buffer | null };

/**
 * The keys in `leads.person_keys`, read and written through `db` (the pool, or a subscription's
 * transaction). Erasing keeps the row with a NULL key: the tombstone stops the subject from ever
 * getting a new key, so nothing written later becomes readable.
 */
export const pgPersonKeys = (db: SqlExecutorLike): PersonKeyStore => {
  const find = async (tenantId: string, subjectId: string): Promise<PersonKey> => {
    const { rows } = await db.query<Row>('SELECT key FROM leads.person_keys WHERE tenant_id = $1 AND subject_id = $2', [tenantId, subjectId]);
    if (rows.length === 0) return undefined;
    return rows[0].key ?? 'erased';
  };
  return {
    find,
    findOrCreate: async (tenantId, subjectId) => {
      await db.query('INSERT INTO leads.person_keys (tenant_id, subject_id, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenantId, subjectId, randomBytes(personKeyLength)]);
      const key = await find(tenantId, subjectId);
      if (key === undefined) throw new Error(`no key for ${subjectId} after creating one`);
      return key;
    },
    erase: async (tenantId, subjectId) => {
      await db.query(
        `INSERT INTO leads.person_keys (tenant_id, subject_id, key, erased_at) VALUES ($1, $2, NULL, now())
         ON CONFLICT (tenant_id, subject_id) DO UPDATE SET key = NULL, erased_at = coalesce(leads.person_keys.erased_at, now())`,
        [tenantId, subjectId],
      );
    },
  };
};

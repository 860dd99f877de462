import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEnvelope, isSealedValue, NewEvent, personalContactFields, PersonalContactField, personalLeadFields, PersonalLeadField, sealedValuePrefix } from '@crm/contracts';

const algorithm = 'aes-256-gcm';
const ivLength = 12;
const tagLength = 16;
export const personKeyLength = 32;

/** A subject's key; `erased` once it was shredded (a tombstone, so that no new key is ever made). */
export type PersonKey = Buffer | 'erased' | undefined;

/** Where the per-person keys live: outside the event log, in the leads service's own table. */
export type PersonKeyStore = {
  find: (tenantId: string, subjectId: string) => Promise<PersonKey>;
  findOrCreate: (tenantId: string, subjectId: string) => Promise<Buffer | 'erased'>;
  erase: (tenantId: string, subjectId: string) => Promise<void>;
};

/** A value sealed for one tenant, subject and field opens nowhere else. */
export const associatedData = (tenantId: string, subjectId: string, field: string): Buffer => Buffer.from(JSON.stringify([tenantId, subjectId, field]), 'utf8');

/** `enc:v1:<base64(iv | tag | ciphertext)>`, AES-256-GCM with a random 96-bit IV. */
export const sealWithKey = (key: Buffer, aad: Buffer, plaintext: string): string => {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagLength });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${sealedValuePrefix}${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
};

/** The plaintext; throws when the key or the associated data is not the one it was sealed with. */
export const openWithKey = (key: Buffer, aad: Buffer, sealed: string): string => {
  const raw = Buffer.from(sealed.slice(sealedValuePrefix.length), 'base64');
  if (!isSealedValue(sealed) || raw.length < ivLength + tagLength) throw new Error('not a sealed value');
  const decipher = createDecipheriv(algorithm, key, raw.subarray(0, ivLength), { authTagLength: tagLength });
  decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(ivLength, ivLength + tagLength));
  return Buffer.concat([decipher.update(raw.subarray(ivLength + tagLength)), decipher.final()]).toString('utf8');
};

/** `leadId` names the subject (the key's owner): a lead's id, or a contact's for contact events. */
type Transform = (subject: { tenantId: string; leadId: string }, field: PersonalLeadField | PersonalContactField, value: string) => Promise<string | null>;

type PersonalFieldSpec = { in?: 'changes'; fields: readonly (PersonalLeadField | PersonalContactField)[]; subject: 'leadId' | 'contactId' };

/** Where an event type carries personal fields, and which id names their subject. */
const personalFieldsOf = (type: string): PersonalFieldSpec | undefined => {
  const lead = personalLeadFields[type as keyof typeof personalLeadFields];
  if (lead) return { ...lead, subject: 'leadId' };
  const contact = personalContactFields[type as keyof typeof personalContactFields];
  return contact ? { ...contact, subject: 'contactId' } : undefined;
};

/** Applies `transform` to the personal fields of a lead or contact event's data, as `personalLeadFields` and `personalContactFields` list them. */
const mapPersonalFields = async (type: string, tenantId: string, data: unknown, transform: Transform): Promise<unknown> => {
  const spec = personalFieldsOf(type);
  if (!spec || typeof data !== 'object' || data === null) return data;
  const record = data as Record<string, unknown>;
  const container = spec.in ? record[spec.in] : record;
  if (typeof container !== 'object' || container === null) return data;
  const subject = { tenantId, leadId: String(record[spec.subject]) };
  const mapped: Record<string, unknown> = { ...(container as Record<string, unknown>) };
  for (const field of spec.fields) {
    const value = mapped[field];
    if (typeof value === 'string') mapped[field] = await transform(subject, field, value);
  }
  return spec.in ? { ...record, [spec.in]: mapped } : mapped;
};

/**
 * Crypto-shredding of a lead's personal fields: they are stored sealed under a key per lead (the
 * subject), and erasing the subject deletes the key, which makes every copy unreadable at once.
 */
export class PersonalDataCipher {
  constructor(private readonly keys: PersonKeyStore) {}

  async seal(tenantId: string, subjectId: string, field: string, plaintext: string): Promise<string> {
    const key = await this.keys.findOrCreate(tenantId, subjectId);
    // After an erasure nothing personal may become readable again: a late value (a reason given
    // afterwards) is sealed under a key that is never kept, i.e. shredded on arrival.
    return sealWithKey(key === 'erased' ? randomBytes(personKeyLength) : key, associatedData(tenantId, subjectId, field), plaintext);
  }

  /** The plaintext, `null` when the subject was erased, or the value itself when it was never sealed (older events). */
  async open(tenantId: string, subjectId: string, field: string, value: string): Promise<string | null> {
    if (!isSealedValue(value)) return value;
    return this.openWith(await this.keys.find(tenantId, subjectId), tenantId, subjectId, field, value);
  }

  erase(tenantId: string, subjectId: string): Promise<void> {
    return this.keys.erase(tenantId, subjectId);
  }

  /** Seals the personal fields of new lead events before they are appended; other events pass as they are. */
  sealEvents(events: NewEvent[]): Promise<NewEvent[]> {
    return Promise.all(
      events.map(async (event) => {
        const data = await mapPersonalFields(event.type, event.metadata.tenantId, event.data, ({ tenantId, leadId }, field, value) => this.seal(tenantId, leadId, field, value));
        return data === event.data ? event : { ...event, data };
      }),
    );
  }

  /** Opens the personal fields of stored lead events (one key lookup per lead); shredded ones become `null`. */
  async openEvents(events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const keys = new Map<string, Promise<PersonKey>>();
    const keyOf = (tenantId: string, leadId: string) => {
      const id = JSON.stringify([tenantId, leadId]);
      if (!keys.has(id)) keys.set(id, this.keys.find(tenantId, leadId));
      return keys.get(id) as Promise<PersonKey>;
    };
    const opened: EventEnvelope[] = [];
    for (const event of events) {
      const data = await mapPersonalFields(event.type, event.metadata.tenantId, event.data, async ({ tenantId, leadId }, field, value) =>
        isSealedValue(value) ? this.openWith(await keyOf(tenantId, leadId), tenantId, leadId, field, value) : value,
      );
      opened.push(data === event.data ? event : { ...event, data });
    }
    return opened;
  }

  private openWith(key: PersonKey, tenantId: string, subjectId: string, field: string, value: string): string | null {
    // No key at all means none was ever kept for this subject: as unreadable as an erased one.
    if (key === undefined || key === 'erased') return null;
    return openWithKey(key, associatedData(tenantId, subjectId, field), value);
  }
}

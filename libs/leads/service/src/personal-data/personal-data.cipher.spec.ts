import { randomBytes } from 'node:crypto';
import { EventEnvelope, NewEvent } from '@crm/contracts';
import { associatedData, openWithKey, PersonalDataCipher, PersonKey, PersonKeyStore, sealWithKey } from './personal-data.cipher';

/** The key table's behaviour in memory: created on first use, a tombstone once erased. */
const memoryKeys = (): PersonKeyStore & { rows: Map<string, Buffer | 'erased'> } => {
  const rows = new Map<string, Buffer | 'erased'>();
  const id = (tenantId: string, subjectId: string) => `${tenantId}/${subjectId}`;
  return {
    rows,
    find: async (tenantId, subjectId): Promise<PersonKey> => rows.get(id(tenantId, subjectId)),
    findOrCreate: async (tenantId, subjectId) => {
      if (!rows.has(id(tenantId, subjectId))) rows.set(id(tenantId, subjectId), randomBytes(32));
      return rows.get(id(tenantId, subjectId)) as Buffer | 'erased';
    },
    erase: async (tenantId, subjectId) => void rows.set(id(tenantId, subjectId), 'erased'),
  };
};

const metadata = { tenantId: 't-1', actor: { id: 'u-1', role: 'admin' as const }, correlationId: 'c', causationId: 'c' };
const newEvent = (type: string, data: unknown): NewEvent => ({ id: 'e-1', type, schemaVersion: 1, occurredAt: '2026-04-01T09:00:00.000Z', metadata, data });
const stored = (event: NewEvent, revision = 0): EventEnvelope => ({ ...event, streamId: 'lead-l-1', revision, globalPosition: revision + 1, recordedAt: event.occurredAt });

describe('sealing with AES-256-GCM', () => {
  const key = randomBytes(32);
  const aad = associatedData('t-1', 'l-1', 'email');

  it('round-trips, with a fresh IV each time', () => {
    const first = sealWithKey(key, aad, 'ada@example.com');
    const second = sealWithKey(key, aad, 'ada@example.com');
    expect(first).toMatch(/^enc:v1:[A-Za-z0-9+/]+=*$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('ada');
    expect(openWithKey(key, aad, first)).toBe('ada@example.com');
    expect(openWithKey(key, aad, sealWithKey(key, aad, ''))).toBe('');
    expect(openWithKey(key, aad, sealWithKey(key, aad, 'Zoë Ångström ✓'))).toBe('Zoë Ångström ✓');
  });

  it('refuses another key, another tenant, lead or field, and a tampered value', () => {
    const sealed = sealWithKey(key, aad, 'ada@example.com');
    expect(() => openWithKey(randomBytes(32), aad, sealed)).toThrow();
    expect(() => openWithKey(key, associatedData('t-2', 'l-1', 'email'), sealed)).toThrow();
    expect(() => openWithKey(key, associatedData('t-1', 'l-2', 'email'), sealed)).toThrow();
    expect(() => openWithKey(key, associatedData('t-1', 'l-1', 'name'), sealed)).toThrow();
    const raw = Buffer.from(sealed.slice('enc:v1:'.length), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => openWithKey(key, aad, `enc:v1:${raw.toString('base64')}`)).toThrow();
    expect(() => openWithKey(key, aad, 'enc:v1:AAAA')).toThrow('not a sealed value');
  });
});

describe('personal data cipher', () => {
  it('seals per subject, opens, and answers null once the subject is erased', async () => {
    const keys = memoryKeys();
    const cipher = new PersonalDataCipher(keys);
    const sealed = await cipher.seal('t-1', 'l-1', 'name', 'Ada Lovelace');
    expect(await cipher.open('t-1', 'l-1', 'name', sealed)).toBe('Ada Lovelace');
    expect(await cipher.open('t-1', 'l-1', 'name', 'Plain Old')).toBe('Plain Old');
    await expect(cipher.open('t-1', 'l-2', 'name', sealed)).resolves.toBeNull();

    await cipher.erase('t-1', 'l-1');
    expect(await cipher.open('t-1', 'l-1', 'name', sealed)).toBeNull();
    // A value written after the erasure is shredded on arrival: no new key is ever made.
    const late = await cipher.seal('t-1', 'l-1', 'reason', 'moved away');
    expect(keys.rows.get('t-1/l-1')).toBe('erased');
    expect(await cipher.open('t-1', 'l-1', 'reason', late)).toBeNull();
  });

  it('seals exactly the personal fields of lead events and opens them again', async () => {
    const cipher = new PersonalDataCipher(memoryKeys());
    const captured = newEvent('LeadCaptured', { leadId: 'l-1', name: 'Ada Lovelace', email: 'ada@example.com', company: 'Analytical Engines', source: 'web' });
    const updated = newEvent('LeadUpdated', { leadId: 'l-1', changes: { phone: '+442079460958', title: 'CTO' } });
    const disqualified = newEvent('LeadDisqualified', { leadId: 'l-1', reason: 'Ada asked us to stop' });
    const assigned = newEvent('LeadAssigned', { leadId: 'l-1', ownerId: 'rep-1', routedBy: 'manual' });
    const sealed = await cipher.sealEvents([captured, updated, disqualified, assigned]);

    expect(JSON.stringify(sealed)).not.toMatch(/Ada|ada@|442079460958/);
    expect(sealed[0].data).toMatchObject({ leadId: 'l-1', company: 'Analytical Engines', source: 'web', name: expect.stringMatching(/^enc:v1:/) });
    expect(sealed[1].data).toMatchObject({ changes: { title: 'CTO', phone: expect.stringMatching(/^enc:v1:/) } });
    expect(sealed[3]).toBe(assigned);

    const opened = await cipher.openEvents(sealed.map((event, revision) => stored(event, revision)));
    expect(opened.map((event) => event.data)).toEqual([captured.data, updated.data, disqualified.data, assigned.data]);
  });

  it('opens the personal fields of an erased lead as null, keeping every other fact', async () => {
    const cipher = new PersonalDataCipher(memoryKeys());
    const [captured] = await cipher.sealEvents([newEvent('LeadCaptured', { leadId: 'l-1', name: 'Ada Lovelace', email: 'ada@example.com', company: 'Analytical Engines', source: 'web' })]);
    await cipher.erase('t-1', 'l-1');
    const [opened] = await cipher.openEvents([stored(captured)]);
    expect(opened.data).toEqual({ leadId: 'l-1', name: null, email: null, company: 'Analytical Engines', source: 'web' });
  });
});

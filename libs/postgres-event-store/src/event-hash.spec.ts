import { createHash } from 'node:crypto';
import { canonicalEventParts, canonicalJson, createChainChecker, eventHash, genesisHash, HashedContent, StoredEvent } from './event-hash';

const metadata = { tenantId: 'tenant-a', actor: { id: 'user-1', role: 'admin' as const }, correlationId: 'corr-1', causationId: 'cause-1' };

const content = (revision: number, data: unknown = { n: revision }): HashedContent => ({
  eventId: `00000000-0000-4000-8000-00000000000${revision}`,
  streamId: 'lead-1',
  revision,
  type: 'LeadUpdated',
  schemaVersion: 1,
  occurredAt: '2026-03-01T10:00:00.000Z',
  metadata,
  data,
});

const chain = (count: number): StoredEvent[] => {
  let previous = genesisHash;
  return Array.from({ length: count }, (_, revision) => {
    const event = content(revision);
    previous = eventHash(previous, event);
    return { ...event, tenantId: 'tenant-a', hash: previous, streamRevision: count - 1 };
  });
};

const walk = (events: StoredEvent[]) => {
  const checker = createChainChecker();
  for (const event of events) {
    const found = checker.check(event);
    if (found) return checker.result(found);
  }
  return checker.result(checker.finish());
};

describe('canonical JSON', () => {
  it('sorts keys recursively, drops undefined members, writes no whitespace and numbers as JSON.stringify does', () => {
    expect(canonicalJson({ b: [{ z: 1, a: undefined, m: 'x' }, 1e21, 0.1], a: { 'é': true, B: null, a: -0 }, c: new Date('2026-01-01T00:00:00Z') })).toBe(
      '{"a":{"B":null,"a":0,"é":true},"b":[{"m":"x","z":1},1e+21,0.1],"c":"2026-01-01T00:00:00.000Z"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('line\nbreak "quoted"')).toBe('"line\\nbreak \\"quoted\\""');
  });

  it('splits an event around its revision exactly where the whole canonical JSON has it', () => {
    const whole = content(12, { z: 'last', a: ['first', { y: 2, x: 1 }] });
    const [before, after] = canonicalEventParts(whole);
    expect(`${before}12${after}`).toBe(canonicalJson(whole));
  });

  it('hashes the previous hash followed by the canonical JSON', () => {
    const event = content(0);
    expect(eventHash(genesisHash, event)).toBe(
      createHash('sha256')
        .update('0'.repeat(64) + canonicalJson(event))
        .digest('hex'),
    );
  });
});

describe('chain checker', () => {
  it('verifies an intact chain', () => {
    expect(walk(chain(3))).toEqual({ verified: 3, unchained: 0, streams: 1 });
  });

  it('reports changed content, a missing revision, a lost hash, a cut-off end and a moved tenant', () => {
    const edited = chain(3);
    edited[1] = { ...edited[1], data: { n: 99 } };
    expect(walk(edited).firstBreak).toMatchObject({ revision: 1, reason: 'hash-mismatch', storedHash: edited[1].hash });

    expect(walk(chain(3).filter((event) => event.revision !== 1)).firstBreak).toMatchObject({ revision: 2, reason: 'missing-predecessor' });
    expect(walk(chain(3).map((event) => (event.revision === 2 ? { ...event, hash: null } : event))).firstBreak).toMatchObject({ revision: 2, reason: 'missing-hash' });
    expect(walk(chain(3).slice(0, 2)).firstBreak).toEqual({ streamId: 'lead-1', revision: 2, reason: 'missing-events' });
    expect(walk(chain(3).map((event) => (event.revision === 0 ? { ...event, tenantId: 'tenant-b' } : event))).firstBreak).toMatchObject({ revision: 0, reason: 'tenant-mismatch' });
  });

  it('counts events stored before hashing as unchained, and chains the first hashed one to zeros', () => {
    const events = chain(2).map((event) => ({ ...event, hash: null }));
    const next = { ...content(2), tenantId: 'tenant-a', hash: eventHash(genesisHash, content(2)), streamRevision: 2 };
    expect(walk([...events, next])).toEqual({ verified: 1, unchained: 2, streams: 1 });
  });
});

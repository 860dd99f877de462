import { createHash, randomUUID } from 'node:crypto';
import { EventEnvelope, NewEvent, streamId } from '@crm/contracts';
import { createTestSchema, describeWithInfra, eventStoreContract, sleep, testEvent } from '@crm/testing';
import { Pool } from 'pg';
import { createPostgresEventStore, PostgresEventStore } from './postgres-event-store';

describeWithInfra(['postgres'], 'PostgreSQL event store', () => {
  describe('contract', () => {
    eventStoreContract(async () => {
      const { pool, schema, drop } = await createTestSchema('es');
      const store = createPostgresEventStore({ pool, schema, idlePollMs: 50 });
      await store.migrate();
      const opened: PostgresEventStore[] = [store];
      return {
        store,
        reopen: async () => {
          const again = createPostgresEventStore({ pool, schema, idlePollMs: 50 });
          opened.push(again);
          return again;
        },
        cleanup: async () => {
          for (const each of opened) await each.close();
          await drop();
        },
      };
    });
  });

  describe('PostgreSQL specifics', () => {
    let pool: Pool;
    let schema: string;
    let drop: () => Promise<void>;
    let store: PostgresEventStore;

    beforeEach(async () => {
      ({ pool, schema, drop } = await createTestSchema('es'));
      store = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    it('migrates idempotently, also from concurrent processes', async () => {
      await Promise.all([store.migrate(), store.migrate(), createPostgresEventStore({ pool, schema }).migrate()]);
      const appended = await store.appendToStream(streamId('lead', randomUUID()), [testEvent()]);
      expect(appended.position).toBe(1);
      expect((await store.readStream(appended.events[0].streamId)).revision).toBe(0);
    });

    it('holds readers back behind an in-flight append instead of letting them skip it', async () => {
      const slow = await pool.connect();
      const early = streamId('lead', randomUUID());
      const late = streamId('lead', randomUUID());
      try {
        // An append that has its global position but has not committed yet.
        await slow.query('BEGIN');
        const event = testEvent('LeadCaptured');
        await slow.query(
          `SELECT * FROM "${schema}".append_events($1, 'lead', 'any', $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[], $7::text[], $8::timestamptz[])`,
          [early, [event.id], [event.type], [1], [JSON.stringify({})], [JSON.stringify(event.metadata)], ['tenant-a'], [event.occurredAt]],
        );
        // A later append commits first, with a higher position.
        const committed = await store.appendToStream(late, [testEvent('LeadQualified')]);
        expect(committed.position).toBe(2);

        expect(await store.readAll({ after: 0, maxCount: 10 })).toEqual([]);
        expect(await store.headPosition()).toBe(0);
        const seen: EventEnvelope[] = [];
        const subscription = await store.subscribe({ name: 'gap', handler: async (events) => void seen.push(...events) });
        await sleep(200);
        expect(seen).toEqual([]);

        await slow.query('COMMIT');
        await subscription.waitFor(2, 10_000);
        await subscription.stop();
        expect(seen.map((e) => [e.globalPosition, e.streamId])).toEqual([
          [1, early],
          [2, late],
        ]);
      } finally {
        slow.release();
      }
    });

    it('commits a transactional handler’s effects with the checkpoint: a connection killed mid-batch applies nothing twice', async () => {
      await pool.query(`CREATE TABLE "${schema}".effects (event_id uuid PRIMARY KEY, n int NOT NULL)`);
      const id = streamId('lead', randomUUID());
      const total = 300;
      let last = 0;
      for (let i = 0; i < total; i += 50) {
        last = (await store.appendToStream(id, Array.from({ length: 50 }, (_, k) => testEvent('LeadUpdated', { n: i + k })))).position;
      }
      let killed = 0;
      let batches = 0;
      const subscription = await store.subscribe({
        name: 'effects',
        batchSize: 40,
        onError: () => undefined,
        handler: async (events, { tx }) => {
          if (!tx) throw new Error('expected a transaction');
          batches++;
          for (const [index, event] of events.entries()) {
            // A plain INSERT: applying an event twice would violate the primary key.
            await tx.query(`INSERT INTO "${schema}".effects (event_id, n) VALUES ($1, $2)`, [event.id, (event.data as { n: number }).n]);
            if (batches % 3 === 0 && index === 20 && killed < 3) {
              killed++;
              const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
              await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
            }
          }
        },
      });
      await subscription.waitFor(last, 30_000);
      await subscription.stop();
      expect(killed).toBe(3);
      const { rows } = await pool.query<{ count: string; distinct: string }>(`SELECT count(*) AS count, count(DISTINCT n) AS distinct FROM "${schema}".effects`);
      expect(rows[0]).toEqual({ count: String(total), distinct: String(total) });
    });

    it('lets only one of two instances of the same subscription apply a batch', async () => {
      await pool.query(`CREATE TABLE "${schema}".effects (event_id uuid PRIMARY KEY)`);
      const id = streamId('lead', randomUUID());
      let last = 0;
      for (let i = 0; i < 10; i++) last = (await store.appendToStream(id, Array.from({ length: 20 }, () => testEvent('LeadUpdated')))).position;
      const handler = async (events: EventEnvelope[], { tx }: { tx?: { query: (q: string, p: unknown[]) => Promise<unknown> } }) => {
        for (const event of events) await tx?.query(`INSERT INTO "${schema}".effects (event_id) VALUES ($1)`, [event.id]);
        await sleep(5);
      };
      let errors = 0;
      const other = createPostgresEventStore({ pool, schema, idlePollMs: 20 });
      const [a, b] = await Promise.all([
        store.subscribe({ name: 'shared', batchSize: 15, handler, onError: () => errors++ }),
        other.subscribe({ name: 'shared', batchSize: 15, handler, onError: () => errors++ }),
      ]);
      // The position the last append returned, not headPosition(): the head may lag while any
      // transaction in the cluster holds xmin back.
      await Promise.all([a.waitFor(last, 30_000), b.waitFor(last, 30_000)]);
      await Promise.all([a.stop(), b.stop(), other.close()]);
      const { rows } = await pool.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".effects`);
      expect(Number(rows[0].count)).toBe(200);
      expect(errors).toBe(0);
    });

    it('keeps the stream lock per stream: concurrent appends to one stream with expected revisions serialise', async () => {
      const id = streamId('lead', randomUUID());
      await store.appendToStream(id, [testEvent()], { expectedRevision: 'no_stream' });
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision: 0 })));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect((await store.readStream(id)).revision).toBe(1);
    });
  });

  describe('tamper evidence', () => {
    let pool: Pool;
    let schema: string;
    let drop: () => Promise<void>;
    let store: PostgresEventStore;

    beforeEach(async () => {
      ({ pool, schema, drop } = await createTestSchema('es'));
      // A small batch so that verifying walks streams across several queries.
      store = createPostgresEventStore({ pool, schema, verifyBatchSize: 2 });
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    // Written independently of the adapter's canonical JSON: sorted keys, JSON.stringify's text.
    const sortedJson = (value: unknown): string =>
      Array.isArray(value)
        ? `[${value.map(sortedJson).join(',')}]`
        : value !== null && typeof value === 'object'
          ? `{${Object.keys(value)
              .sort()
              .map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`)
              .join(',')}}`
          : JSON.stringify(value);
    const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const forTenant = (tenantId: string, event: NewEvent): NewEvent => ({ ...event, metadata: { ...event.metadata, tenantId } });
    const seed = async (tenantId: string, count: number) => {
      const id = streamId('lead', randomUUID());
      for (let n = 0; n < count; n++) await store.appendToStream(id, [forTenant(tenantId, testEvent('LeadUpdated', { n }))]);
      return id;
    };
    const tamper = (sql: string, id: string, revision: number) => pool.query(`UPDATE "${schema}".events SET ${sql} WHERE stream_id = $1 AND revision = $2`, [id, revision]);

    it('chains each event to its predecessor over its canonical JSON, and keeps the hashes on an idempotent repeat', async () => {
      const id = streamId('lead', randomUUID());
      // Key order and number spelling that jsonb does not keep.
      const events = [testEvent('LeadCaptured', { z: 1, a: { y: [1.5, 1e21, -0], b: 'ü "q"' } }), testEvent('LeadQualified', { n: 2 })];
      const appended = await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      const third = await store.appendToStream(id, [testEvent('LeadUpdated')], { expectedRevision: 1 });
      const read = await store.readStream(id);

      let previous = '0'.repeat(64);
      for (const [revision, event] of [...events, ...third.events].entries()) {
        const content = {
          data: event.data,
          eventId: event.id,
          metadata: event.metadata,
          occurredAt: event.occurredAt,
          revision,
          schemaVersion: event.schemaVersion,
          streamId: id,
          type: event.type,
        };
        previous = sha256(previous + sortedJson(content));
        expect(read.events[revision].hash).toBe(previous);
      }
      expect([...appended.events, ...third.events].map((event) => event.hash)).toEqual(read.events.map((event) => event.hash));

      const repeat = await store.appendToStream(id, events);
      expect(repeat.events.map((event) => event.hash)).toEqual(appended.events.map((event) => event.hash));
      expect((await store.readStream(id)).events.map((event) => event.hash)).toEqual(read.events.map((event) => event.hash));
      expect(await store.verifyChain?.({ streamId: id })).toEqual({ verified: 3, unchained: 0, streams: 1 });
    });

    it('finds an event row whose data was edited in place, as the first break of the store and of its stream', async () => {
      const first = await seed('tenant-a', 3);
      const second = await seed('tenant-a', 4);
      const [before, after] = first < second ? [first, second] : [second, first];
      expect(await store.verifyChain?.({ all: true })).toEqual({ verified: 7, unchained: 0, streams: 2 });

      await tamper(`data = jsonb_set(data, '{n}', '99')`, after, 2);
      const edited = (await store.readStream(after)).events[2];
      expect(await store.verifyChain?.({ all: true })).toEqual({
        verified: (before === first ? 3 : 4) + 2,
        unchained: 0,
        streams: 2,
        firstBreak: { streamId: after, revision: 2, eventId: edited.id, reason: 'hash-mismatch', expectedHash: expect.stringMatching(/^[0-9a-f]{64}$/), storedHash: edited.hash },
      });
      expect((await store.verifyChain?.({ streamId: after }))?.firstBreak).toMatchObject({ streamId: after, revision: 2, reason: 'hash-mismatch' });
      expect(await store.verifyChain?.({ streamId: before })).toEqual({ verified: before === first ? 3 : 4, unchained: 0, streams: 1 });
    });

    it('finds altered metadata, a deleted event and a cut-off end', async () => {
      const metadataEdited = await seed('tenant-a', 3);
      const gap = await seed('tenant-a', 3);
      const cut = await seed('tenant-a', 3);
      expect((await store.verifyChain?.({ all: true }))?.firstBreak).toBeUndefined();

      await tamper(`metadata = metadata - 'causationId'`, metadataEdited, 1);
      expect((await store.verifyChain?.({ streamId: metadataEdited }))?.firstBreak).toMatchObject({ streamId: metadataEdited, revision: 1, reason: 'hash-mismatch' });

      await pool.query(`DELETE FROM "${schema}".events WHERE stream_id = $1 AND revision = 1`, [gap]);
      expect((await store.verifyChain?.({ streamId: gap }))?.firstBreak).toMatchObject({ streamId: gap, revision: 2, reason: 'missing-predecessor' });

      await pool.query(`DELETE FROM "${schema}".events WHERE stream_id = $1 AND revision = 2`, [cut]);
      expect((await store.verifyChain?.({ streamId: cut }))?.firstBreak).toEqual({ streamId: cut, revision: 2, reason: 'missing-events' });

      const everything = await store.verifyChain?.({ all: true });
      expect(everything?.firstBreak?.streamId).toBe([metadataEdited, gap, cut].sort()[0]);
    });

    it('verifies only the caller’s tenant when given one', async () => {
      const ours = await seed('tenant-a', 2);
      const theirs = await seed('tenant-b', 3);
      await tamper(`data = '{"n": 5}'`, theirs, 0);

      expect(await store.verifyChain?.({ all: true, tenantId: 'tenant-a' })).toEqual({ verified: 2, unchained: 0, streams: 1 });
      expect((await store.verifyChain?.({ all: true, tenantId: 'tenant-b' }))?.firstBreak).toMatchObject({ streamId: theirs, revision: 0, reason: 'hash-mismatch' });
      expect(await store.verifyChain?.({ streamId: theirs, tenantId: 'tenant-a' })).toEqual({ verified: 0, unchained: 0, streams: 0 });
      expect(await store.verifyChain?.({ streamId: ours, tenantId: 'tenant-a' })).toEqual({ verified: 2, unchained: 0, streams: 1 });

      // The tenant column is not hashed, but it must agree with the hashed metadata.
      await tamper(`tenant_id = 'tenant-b'`, ours, 1);
      expect((await store.verifyChain?.({ streamId: ours, tenantId: 'tenant-b' }))?.firstBreak).toMatchObject({ streamId: ours, revision: 1, reason: 'missing-predecessor' });
      expect((await store.verifyChain?.({ all: true, tenantId: 'tenant-a' }))?.firstBreak).toEqual({ streamId: ours, revision: 1, reason: 'missing-events' });
      expect((await store.verifyChain?.({ streamId: ours }))?.firstBreak).toMatchObject({ streamId: ours, revision: 1, reason: 'tenant-mismatch' });
    });

    it('reports events stored before hashing as unchained and chains what is appended after them', async () => {
      const id = await seed('tenant-a', 2);
      // As in a store created before the hash column: those rows have none.
      await pool.query(`UPDATE "${schema}".events SET hash = NULL WHERE stream_id = $1`, [id]);
      await store.appendToStream(id, [testEvent('LeadUpdated', { n: 2 })]);
      expect(await store.verifyChain?.({ streamId: id })).toEqual({ verified: 1, unchained: 2, streams: 1 });

      await store.appendToStream(id, [testEvent('LeadUpdated', { n: 3 })]);
      expect(await store.verifyChain?.({ streamId: id })).toEqual({ verified: 2, unchained: 2, streams: 1 });

      // Removing a hash does not pass the event off as unchained: its successor chained to it.
      const { hash } = (await store.readStream(id)).events[2];
      await tamper('hash = NULL', id, 2);
      expect((await store.verifyChain?.({ streamId: id }))?.firstBreak).toMatchObject({ revision: 3, reason: 'hash-mismatch' });
      await pool.query(`UPDATE "${schema}".events SET hash = $3 WHERE stream_id = $1 AND revision = $2`, [id, 2, hash]);
      // And once the chain has begun, an event without a hash is a break.
      await tamper('hash = NULL', id, 3);
      expect((await store.verifyChain?.({ streamId: id }))?.firstBreak).toMatchObject({ revision: 3, reason: 'missing-hash' });
    });
  });
});

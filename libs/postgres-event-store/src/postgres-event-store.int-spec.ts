import { randomUUID } from 'node:crypto';
import { EventEnvelope, streamId } from '@crm/contracts';
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
});

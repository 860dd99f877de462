import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

type Verification = { intact: boolean; verified: number; unchained: number; streams: number; firstBreak?: Record<string, unknown> };


/** The app's embedded database, found through its data directory (credentials file and postmaster.pid). */
const connectToAppDatabase = async (app: RunningApp): Promise<Client> => {
  const base = join(app.dataDir, 'postgres');
  const { user, password, database } = JSON.parse(readFileSync(join(base, 'postgres-credentials.json'), 'utf8')) as { user: string; password: string; database: string };
  const port = Number(readFileSync(join(base, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const client = new Client({ host: '127.0.0.1', port, user, password, database });
  await client.connect();
  return client;
};

describe('GET /audit/verify (embedded app)', () => {
  let app: RunningApp;
  let db: Client;
  const tenant = `audit-${randomUUID().slice(0, 8)}`;
  const otherTenant = `audit-${randomUUID().slice(0, 8)}`;
  const as = (roles: string[], inTenant = tenant) => {
    const authorization = `Bearer ${tokenFor(app, { sub: `user-${roles.join('-')}`, tenant: inTenant, roles })}`;
    return (path: string, body?: unknown) => app.request(body === undefined ? 'GET' : 'POST', path, body, { authorization });
  };
  const captureLead = async (inTenant: string) => {
    const lead = await as(['admin'], inTenant)('/leads', { name: 'Ada', email: `ada-${randomUUID()}@example.com`, source: 'web', company: 'Engines' });
    expect(lead.status).toBe(201);
    const { rows } = await db.query<{ stream_id: string; events: number }>(
      'SELECT stream_id, count(*)::int AS events FROM event_store.events WHERE tenant_id = $1 AND stream_id LIKE $2 GROUP BY stream_id',
      [inTenant, `%${(lead.body as { id: string }).id}`],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  beforeAll(async () => {
    app = await startEmbeddedApp();
    db = await connectToAppDatabase(app);
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    expect(await app.stop()).toBe(0);
  });

  it('asks for exactly one of stream and all=true, and for the admin, manager or integration role', async () => {
    const admin = as(['admin']);
    for (const query of ['', '?stream=lead-1&all=true', '?all=yes', '?all=false', '?stream=not a stream', '?all=true&extra=1']) {
      const answer = await admin(`/audit/verify${query}`);
      expect([query, answer.status, answer.headers.get('content-type')]).toEqual([query, 400, 'application/problem+json; charset=utf-8']);
    }
    expect((await as(['rep'])('/audit/verify?all=true')).status).toBe(403);
    expect((await app.request('GET', '/audit/verify?all=true', undefined, { authorization: '' })).status).toBe(401);
    for (const role of ['admin', 'manager', 'integration']) expect((await as([role])('/audit/verify?all=true')).status).toBe(200);
  });

  it('reports an intact chain, then the event row edited in the database, only to its own tenant', async () => {
    const ours = await captureLead(tenant);
    const theirs = await captureLead(otherTenant);

    const intact = await as(['manager'])(`/audit/verify?stream=${ours.stream_id}`);
    expect(intact.status).toBe(200);
    expect(intact.body).toEqual({ intact: true, verified: ours.events, unchained: 0, streams: 1 });
    expect((await as(['integration'])('/audit/verify?all=true')).body).toMatchObject({ intact: true, unchained: 0 });

    const { rows } = await db.query<{ event_id: string }>(
      `UPDATE event_store.events SET data = data || '{"tampered": true}' WHERE stream_id = $1 AND revision = 0 RETURNING event_id`,
      [ours.stream_id],
    );
    const expectedBreak = { streamId: ours.stream_id, revision: 0, eventId: rows[0].event_id, reason: 'hash-mismatch' };

    const one = (await as(['admin'])(`/audit/verify?stream=${ours.stream_id}`)).body as Verification;
    expect(one).toMatchObject({ intact: false, verified: 0, firstBreak: expectedBreak });
    const all = (await as(['admin'])('/audit/verify?all=true')).body as Verification;
    expect(all).toMatchObject({ intact: false, firstBreak: expectedBreak });

    // Another tenant neither sees the break nor can verify this tenant's stream.
    expect((await as(['admin'], otherTenant)('/audit/verify?all=true')).body).toMatchObject({ intact: true, verified: theirs.events });
    expect((await as(['admin'], otherTenant)(`/audit/verify?stream=${ours.stream_id}`)).body).toEqual({ intact: true, verified: 0, unchained: 0, streams: 0 });
  });
});

import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { databaseUrl, describeWithInfra, kafkaBrokers, uniqueName, waitForListening } from '@crm/testing';
import { Client } from 'pg';

// The distributed mode as deployed: each service its own process and database, cooperating only
// through Kafka (real broker), with the relay publishing each service's own events.
const root = join(__dirname, '..', '..', '..');

type Service = { child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> };

describeWithInfra(['postgres', 'kafka'], 'distributed mode over Kafka', () => {
  const secret = randomBytes(32).toString('hex');
  const prefix = `${uniqueName('e2e')}.`;
  const databases: string[] = [];
  const services: Service[] = [];
  const token = (() => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'u-1', tenant: 'acme', roles: ['admin'], iat: Math.floor(Date.now() / 1000) })}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  })();

  const admin = async (sql: string) => {
    const client = new Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  const startService = async (name: string): Promise<Service> => {
    const database = uniqueName(name.replace(/-/g, '_')).toLowerCase();
    await admin(`CREATE DATABASE "${database}"`);
    databases.push(database);
    const url = new URL(databaseUrl());
    url.pathname = `/${database}`;
    const child = spawn(process.execPath, [join(root, `dist/apps/${name}/src/main.js`)], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url.toString(), KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', JWT_SECRET: secret, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const service = { child, output: () => output, exited, url: '' };
    services.push(service);
    service.url = await waitForListening(service, 60_000);
    return service;
  };

  const call = async (service: Service, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  afterAll(async () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGTERM');
    const codes = await Promise.all(services.map((service) => service.exited));
    for (const database of databases) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    expect(codes.every((code) => code === 0)).toBe(true);
  }, 60_000);

  it('a lead converted in the leads service opens its opportunity in the opportunities service, through Kafka', async () => {
    const leads = await startService('leads-service');
    const opportunities = await startService('opportunities-service');

    const captured = await call(leads, 'POST', '/leads', { name: 'Kafka Lovelace', email: 'kafka@example.com', company: 'Streams Ltd', source: 'partner' });
    expect(captured.status).toBe(201);
    const leadId = captured.body.id as string;
    expect((await call(leads, 'POST', `/leads/${leadId}/assign`, { ownerId: 'rep-3' })).status).toBe(200);
    expect((await call(leads, 'POST', `/leads/${leadId}/qualify`)).status).toBe(200);
    const converted = await call(leads, 'POST', `/leads/${leadId}/convert`, { amount: '12000.00', currency: 'EUR', productType: 'analytics', expectedCloseDate: '2027-01-31' });
    expect(converted.status).toBe(201);
    const opportunityId = converted.body.opportunityId as string;

    const deadline = Date.now() + 30_000;
    let deal = await call(opportunities, 'GET', `/opportunities/${opportunityId}`);
    while (deal.status === 404 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      deal = await call(opportunities, 'GET', `/opportunities/${opportunityId}`);
    }
    expect(deal.status).toBe(200);
    expect(deal.body).toMatchObject({ id: opportunityId, accountName: 'Streams Ltd', ownerId: 'rep-3', amount: '12000.00', currency: 'EUR', status: 'open' });
    // The leads service knows nothing of deals: it has no such route, and the services share no tables.
    expect((await call(leads, 'GET', `/opportunities/${opportunityId}`)).status).toBe(404);
  }, 120_000);
});

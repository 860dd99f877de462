// The baseline of http-command.bench.mjs: a bare Fastify `POST /leads` doing one INSERT per
// request, no auth, validation, events or projections. Run as a child process, as the app is, so
// that it does not share an event loop with autocannon. Env: BENCH_DATABASE_URL, BENCH_SCHEMA
// (exists; the table is created here). Prints "listening on <url>"; exits on SIGTERM.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const fastify = require('fastify');
const { Pool } = require('pg');

const schema = process.env.BENCH_SCHEMA;
if (!/^[a-z_][a-z0-9_]*$/.test(schema ?? '')) throw new Error(`BENCH_SCHEMA must be a plain schema name, not ${schema}`);
const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 20, application_name: `bench-${schema}` });
pool.on('error', () => undefined);
await pool.query(`CREATE TABLE ${schema}.leads (id uuid PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL, email text, source text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);

const app = fastify({ logger: false });
app.post('/leads', async (request, reply) => {
  const { name, email, source } = request.body;
  const id = randomUUID();
  await pool.query(`INSERT INTO ${schema}.leads (id, tenant_id, name, email, source) VALUES ($1, $2, $3, $4, $5)`, [id, 'default', name, email ?? null, source]);
  reply.code(201).header('location', `/leads/${id}`);
  return { id };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
process.once('SIGTERM', async () => {
  await app.close();
  await pool.end();
  process.exit(0);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Pool } from 'pg';
import { leadSources } from '@crm/contracts';
import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

/**
 * Issue 9: generated bodies posted to every command endpoint get 2xx or 4xx, never 5xx, and a
 * rejected command appends nothing.
 *
 * The operations come from the served OpenAPI document, so a new endpoint is fuzzed without a
 * change here; bodies follow its request schemas (or, where a PUT takes an untyped body, the shape
 * its GET returns). Inputs are drawn with `fc.sample` from a fixed seed (FUZZ_SEED replays a run,
 * FUZZ_RUNS changes its size) and sent a few at a time: the inputs replay exactly, the interleaving
 * of concurrent requests does not, which is why a failure lists the request itself.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_260_209);
const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const concurrency = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { inferred?: boolean; type?: string; $ref?: string; enum?: Json[]; example?: Json; default?: Json; format?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema };
type OpenApi = { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components: { schemas: Record<string, Schema> } };
type Operation = { method: string; path: string; collection: string | null; schema: Schema | null };

/** A path parameter: the n-th known record of the collection (resolved when sent, so records the run creates count too), or a literal. */
type PathParam = { existing: number } | { literal: string };
type Payload = { kind: 'json'; value: Json } | { kind: 'none' } | { kind: 'raw'; contentType: string | null; text: string };
type Caller = 'admin' | 'manager' | 'rep' | 'other-tenant' | 'anonymous';
type FuzzRequest = { operation: Operation; param: PathParam; payload: Payload; headers: Record<string, string>; caller: Caller };
type Sent = { index: number; operation: string; method: string; path: string; caller: Caller; headers: Record<string, string>; body: string; status: number; response: string; appended: boolean };

const truncate = (text: string, length = 300) => (text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text);

const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The distinct errors the app logged (as JSON lines or Nest's text), each with the frames that locate it. */
const serverErrors = (output: string): string[] => {
  const plain = output.replace(ansiColour, '');
  const messages: string[] = [];
  for (const line of plain.split('\n').filter((candidate) => candidate.startsWith('{'))) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: unknown };
      if ((entry.level ?? 0) >= 50 && typeof entry.msg === 'string') messages.push(entry.msg);
    } catch {
      // not a log entry
    }
  }
  for (const chunk of plain.split(/\n(?=\[Nest\])/).filter((candidate) => /ERROR \[HTTP\]/.test(candidate))) messages.push(chunk.replace(/^.*ERROR \[HTTP\]\s*/, ''));
  const errors = new Map<string, number>();
  for (const message of messages) {
    const [first, ...frames] = message.split('\n');
    const located = frames.filter((frame) => /\/(dist\/)?libs\//.test(frame)).slice(0, 2);
    const key = [first, ...(located.length ? located : frames.slice(0, 2))].map((line) => line.trim()).join(' | ');
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  return [...errors].map(([key, count]) => `${count}× ${truncate(key, 600)}`);
};

// ---- values ---------------------------------------------------------------------------------------

const deepNesting = (depth: number): Json => Array.from({ length: depth }).reduce<Json>((inner) => ({ a: inner }), 1);
const weirdStrings = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\uffff', '\u202etxt', 'e\u0301', '👩‍👩‍👧', '𝓤𝓷𝓲𝓬𝓸𝓭𝓮', 'İı', 'ß',
  '2026-02-30', '2026-02-29', '2028-02-29', '2026-13-01', '2026-00-10', '0000-01-01', '9999-12-31', '+275760-09-13', '2026-04-31T10:00:00Z',
  '2026-03-31T24:00:00Z', '2026-03-31T25:61:61Z', '2026-03-31T10:00:00+25:00', '1970-01-01T00:00:00.000Z', '2100-01-01T00:00:00Z', '2026-06-01 10:00',
  '2026-Q5', '2026-Q0', '2026-q2', '2026-00', '2026-1', '12026-01', '-2026-01',
  '1e308', '-1e308', '1e-308', 'NaN', 'Infinity', '-Infinity', '-0', '0x1F', '1_000', '１２３', '٣', '99999999999999999999.99', '92233720368547758.07',
  '0.001', '-1.00', '1.', '.5', '12,50', '1e3', ' 100.00 ', '+100.00', '00100.00',
  'EUR', 'eur', 'XXX', 'EURO', '€', 'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '<script>alert(1)</script>', "'; DROP TABLE event_store.events; --", '../../../etc/passwd', '%s%s%n', '${jndi:ldap://x}', '{{7*7}}', 'a@b', 'a@b.c',
  'Prospecting', 'Won', 'Lost', 'lead', 'opportunity', 'rep-1', 'mgr-1', 'a'.repeat(101), 'a'.repeat(256), 'x'.repeat(10_001),
];
const weirdNumbers = [0, -0, 1, -1, 0.5, 1.5, 0.1 + 0.2, 1e-7, 100, 101, 1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1_000_000];
const oversized: Json[] = ['y'.repeat(100_000), 'z'.repeat(300_000), deepNesting(3_000), Array.from({ length: 20_000 }, (_, i) => i)];

const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 12 });
const text = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));

/** Anything, whatever the field expects. */
const fuzzValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 5, arbitrary: fc.constantFrom(...weirdStrings) },
  // Text JSON can carry but PostgreSQL cannot store (jsonb refuses U+0000 and unpaired surrogates).
  { weight: 2, arbitrary: fc.tuple(text, fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800')).map(([words, bad]) => `${words}${bad}`) },
  { weight: 2, arbitrary: fc.constantFrom(...weirdNumbers) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom(...oversized) },
);

const day = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
const pastDay = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true });
const period = fc.oneof(
  fc.tuple(fc.integer({ min: 2020, max: 2032 }), fc.integer({ min: 1, max: 12 })).map(([year, month]) => `${year}-${String(month).padStart(2, '0')}`),
  fc.tuple(fc.integer({ min: 2020, max: 2032 }), fc.integer({ min: 1, max: 4 })).map(([year, quarter]) => `${year}-Q${quarter}`),
);

/** What a client that read the docs would plausibly send for the field: by schema, then by name. */
const plausibleValue = (name: string, schema: Schema, known: Known, resolve: (schema: Schema) => Schema, depth: number): fc.Arbitrary<Json> => {
  const field = resolve(schema);
  if (field.enum?.length) return fc.constantFrom(...field.enum);
  const byName = (): fc.Arbitrary<Json> | undefined => {
    if (field.type === 'number' || field.type === 'integer') {
      if (name === 'probability') return fc.integer({ min: 0, max: 100 });
      if (/Days$/.test(name)) return fc.integer({ min: 1, max: 365 });
      if (/Hours$/.test(name)) return fc.integer({ min: 1, max: 500 });
      return undefined;
    }
    if (field.type !== 'string') return undefined;
    // Past instants, as most are (occurredAt); a due date may be in the future.
    if (/At$/.test(name)) return (name === 'dueAt' ? day : pastDay).map((date) => date.toISOString());
    if (/Date$/.test(name)) return day.map((date) => date.toISOString().slice(0, 10));
    if (name === 'period') return period;
    if (name === 'amount') return fc.oneof(fc.integer({ min: 0, max: 100_000_000 }).map((cents) => (cents / 100).toFixed(2)), fc.constantFrom('0.00', '48000.00', '1'));
    if (name === 'currency') return fc.constantFrom('EUR', 'USD', 'GBP');
    if (name === 'email') return fc.emailAddress();
    if (name === 'source') return fc.constantFrom(...leadSources);
    if (name === 'stage') return fc.constantFrom('Prospecting', 'Qualification', 'Proposal', 'Negotiation');
    if (/^(owner|assignee|manager)Id$/.test(name)) return fc.constantFrom(...known.members);
    if (name === 'teamId') return fc.constantFrom('team-a', 'team-emea');
    if (/^(lead|duplicate)Id$/.test(name)) return fc.constantFrom(...known.leads);
    if (field.format === 'uuid') return fc.constantFrom(...known.leads, ...known.opportunities);
    return undefined;
  };
  const hinted = byName();
  const examples = [field.example, field.default].filter((value): value is Json => value !== undefined);
  const generic = ((): fc.Arbitrary<Json> => {
    switch (field.type) {
      case 'string':
        return fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) });
      case 'number':
      case 'integer':
        return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: -10, max: 5_000 }) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 3 ? fc.constant([]) : fc.uniqueArray(fieldValue(name, field.items ?? {}, known, resolve, 'plausible', depth + 1), { minLength: 1, maxLength: 4, selector: identity });
      case 'object':
        if (field.properties && depth <= 3) return objectValue(field, known, resolve, 'plausible', depth + 1);
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 4 });
      default:
        return fuzzValue;
    }
  })();
  if (!examples.length) return hinted ?? generic;
  // What a GET returned is valid as it stands.
  if (field.inferred) return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...examples) }, { weight: 1, arbitrary: hinted ?? generic });
  return hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: fc.constantFrom(...examples) }) : fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...examples) }, { weight: 1, arbitrary: generic });
};

/** What makes two items of a list the same: a name, if they have one (stage names must differ). */
const identity = (item: Json): unknown => (typeof item === 'object' && item !== null && !Array.isArray(item) && 'name' in item ? item.name : JSON.stringify(item));

type Mode = 'plausible' | 'fuzzed';
const fieldValue = (name: string, schema: Schema, known: Known, resolve: (schema: Schema) => Schema, mode: Mode, depth: number): fc.Arbitrary<Json> =>
  fc.oneof({ weight: mode === 'plausible' ? 30 : 1, arbitrary: plausibleValue(name, schema, known, resolve, depth) }, { weight: mode === 'plausible' ? 1 : 2, arbitrary: fuzzValue });

/** An object over the schema's fields: in 'plausible' mode with every required field, else any subset. */
const objectValue = (schema: Schema, known: Known, resolve: (schema: Schema) => Schema, mode: Mode, depth = 0): fc.Arbitrary<Json> => {
  const properties = schema.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([name, field]) => [name, fieldValue(name, field, known, resolve, mode, depth)]));
  const requiredKeys = mode === 'plausible' ? (schema.required ?? []).filter((name) => name in properties) : [];
  return fc.record(model, { requiredKeys }) as fc.Arbitrary<Json>;
};

/**
 * A schema read off an example value: how a PUT with an untyped body is fuzzed from what its GET
 * returns, less what a view adds (its version or revision), every field required as in the example.
 */
const schemaOfExample = (value: unknown): Schema => {
  if (Array.isArray(value)) return { type: 'array', items: value.length ? schemaOfExample(value[0]) : {}, example: value as Json[], inferred: true };
  if (value === null || value === undefined) return {};
  if (typeof value === 'object') {
    const fields = Object.entries(value).filter(([key]) => !['id', 'version', 'revision', 'position'].includes(key));
    return { type: 'object', properties: Object.fromEntries(fields.map(([key, inner]) => [key, schemaOfExample(inner)])), required: fields.map(([key]) => key) };
  }
  return { type: typeof value, example: value as Json, inferred: true };
};

// ---- requests -------------------------------------------------------------------------------------

type Known = { leads: string[]; opportunities: string[]; members: string[] };

const pathParam: fc.Arbitrary<PathParam> = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 1_000 }).map((existing) => ({ existing })) },
  { weight: 2, arbitrary: fc.uuid().map((literal) => ({ literal })) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('', '.', '..', '%00', '%', '%zz', 'null', '0', '-1', '1e308', 'rep-1', 'a'.repeat(2_000), '00000000-0000-0000-0000-000000000000', '{id}', '%2F..%2F', 'ＡＢＣ'),
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
    ).map((literal) => ({ literal })),
  },
);

const malformedJson = ['{', '{"a":', '[1,2', 'NaN', "{'a':1}", '{"a":1}}', '\ufeff{}', '', '   ', 'undefined', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '1e999', '"\\ud800"', '{"a":"\\u0000"}', `${'['.repeat(20_000)}${']'.repeat(20_000)}`];
const rawPayload = (json: fc.Arbitrary<Json>): fc.Arbitrary<Payload> =>
  fc.oneof(
    fc.record({
      contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json', 'APPLICATION/JSON', 'application/json;;', 'application/*'),
      text: fc.oneof(json.map((value) => JSON.stringify(value)), fc.constantFrom('a=1&b=2', '<x/>', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'), fc.string()),
    }),
    fc.record({ contentType: fc.constant('application/json'), text: fc.oneof(fc.constantFrom(...malformedJson), fc.string()) }),
    // A body without any content type.
    fc.record({ contentType: fc.constant(null), text: json.map((value) => JSON.stringify(value)) }),
  ).map(({ contentType, text }) => ({ kind: 'raw' as const, contentType, text }));

const headerValue = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'idempotency-key': fc.oneof(
      fc.constantFrom('fuzz-key-1', 'fuzz-key-2', 'fuzz-key-3'),
      fc.uuid(),
      fc.constantFrom('', ' ', 'a b', 'x'.repeat(256), 'é', 'ü'.repeat(3)),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }).filter(headerValue),
    ),
    'if-match': fc.oneof(
      fc.nat({ max: 6 }).map((revision) => `"${revision}"`),
      fc.constantFrom('W/"1"', '0', '*', '"-1"', '""', '"999999999999999"', '"9999999999999999"', '"1e3"', '"0x1"', 'W/', 'garbage', '"1", "2"', '" 1"'),
      fc.string({ unit: 'binary-ascii', maxLength: 12 }).filter(headerValue),
    ),
  },
  { requiredKeys: [] },
);

const requestOf = (operation: Operation, known: Known, resolve: (schema: Schema) => Schema): fc.Arbitrary<FuzzRequest> => {
  const schema = operation.schema ? resolve(operation.schema) : null;
  const json = (mode: Mode) => (schema ? (schema.type === 'object' || schema.properties ? objectValue(schema, known, resolve, mode) : fieldValue('body', schema, known, resolve, mode, 0)) : fc.constant({}));
  const withUnknownField = json('plausible').chain((value) =>
    fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'tenantId', 'revision', 'position')), fuzzValue, { minKeys: 1, maxKeys: 2 }).map((extra) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) ? ({ ...value, ...extra } as Json) : value,
    ),
  );
  // Valid but for one field: what gets furthest into a handler with something it did not expect.
  const withOneFieldFuzzed = json('plausible').chain((value) => {
    const fields = Object.keys(schema?.properties ?? {});
    if (!fields.length || typeof value !== 'object' || value === null || Array.isArray(value)) return fc.constant(value);
    return fc.tuple(fc.constantFrom(...fields), fuzzValue).map(([field, fuzzed]) => ({ ...value, [field]: fuzzed }) as Json);
  });
  const payload: fc.Arbitrary<Payload> = fc.oneof(
    { weight: schema ? 35 : 5, arbitrary: json('plausible').map((value) => ({ kind: 'json' as const, value })) },
    { weight: schema ? 20 : 0, arbitrary: withOneFieldFuzzed.map((value) => ({ kind: 'json' as const, value })) },
    { weight: schema ? 15 : 5, arbitrary: json('fuzzed').map((value) => ({ kind: 'json' as const, value })) },
    { weight: schema ? 5 : 1, arbitrary: withUnknownField.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 10, arbitrary: (fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>).map((value) => ({ kind: 'json' as const, value })) },
    { weight: schema ? 5 : 40, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 10, arbitrary: rawPayload(json('plausible')) },
  );
  const caller = fc.constantFrom<Caller>(...Array<Caller>(16).fill('admin'), 'manager', 'rep', 'rep', 'other-tenant', 'anonymous');
  const headers = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders });
  return fc.record({ operation: fc.constant(operation), param: pathParam, payload, headers, caller });
};

// ---- the suite ------------------------------------------------------------------------------------

describe('command endpoints under fuzzing (embedded app)', () => {
  let app: RunningApp;
  let pool: Pool;
  const tokens = new Map<Caller, string>();

  beforeAll(async () => {
    // The rate limit is for clients, not for a test that means to send 10,000 requests a minute.
    app = await startEmbeddedApp({ RATE_LIMIT_PER_MINUTE: '0' });
    const credentials = JSON.parse(readFileSync(join(app.dataDir, 'postgres', 'postgres-credentials.json'), 'utf8')) as { user: string; password: string; database: string };
    const port = /embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/.exec(app.output())?.[1];
    pool = new Pool({ connectionString: `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${credentials.database}`, max: 2 });
    tokens.set('admin', app.token);
    tokens.set('manager', tokenFor(app, { sub: 'mgr-1', tenant: 'default', roles: ['manager'] }));
    tokens.set('rep', tokenFor(app, { sub: 'rep-1', tenant: 'default', roles: ['rep'] }));
    tokens.set('other-tenant', tokenFor(app, { sub: 'intruder', tenant: 'fuzz-other', roles: ['admin'] }));
  }, 90_000);
  afterAll(async () => {
    await pool?.end();
    expect(await app.stop()).toBe(0);
  });

  /** Sends one request exactly as described: any content type, or none. */
  const send = async (method: string, path: string, payload: Payload, headers: Record<string, string>, caller: Caller) => {
    const token = tokens.get(caller);
    const all: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers };
    let body: string | Uint8Array | undefined;
    if (payload.kind === 'json') {
      body = JSON.stringify(payload.value);
      all['content-type'] = 'application/json';
    } else if (payload.kind === 'raw') {
      // fetch labels a string text/plain; bytes go without a content type.
      body = payload.contentType === null ? new TextEncoder().encode(payload.text) : payload.text;
      if (payload.contentType !== null) all['content-type'] = payload.contentType;
    }
    const response = await fetch(`${app.url}${path}`, { method, headers: all, body, signal: AbortSignal.timeout(60_000) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  it(`answers ${runs} generated commands with 2xx or 4xx, and appends nothing for a rejected one (seed ${seed})`, async () => {
    const startedAt = Date.now();
    const document = (await app.request('GET', '/docs/openapi.json')).body as OpenApi;
    const resolve = (schema: Schema): Schema => (schema.$ref ? resolve(document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema);

    // A few records of each kind, so that path parameters and ids in bodies can name real ones.
    const seedRequest = async (method: string, path: string, body: unknown) => {
      const response = await app.request(method, path, body, { 'x-correlation-id': `seed-${method}-${path.replace(/[^\w.:-]/g, '_')}`.slice(0, 128) });
      expect([200, 201]).toContain(response.status);
      return response.body as { id: string };
    };
    const known: Known = { leads: [], opportunities: [], members: ['rep-1', 'mgr-1'] };
    await seedRequest('PUT', '/team/members/mgr-1', { name: 'Manager One', email: 'mgr1@example.com', role: 'manager', active: true });
    await seedRequest('PUT', '/team/members/rep-1', { name: 'Rep One', email: 'rep1@example.com', role: 'rep', managerId: 'mgr-1', active: true, productLines: ['platform'] });
    for (const n of [1, 2, 3]) {
      known.leads.push((await seedRequest('POST', '/leads', { name: `Lead ${n}`, email: `lead${n}@example.com`, source: 'web', company: 'Engines' })).id);
      known.opportunities.push(
        (await seedRequest('POST', '/opportunities', { name: `Deal ${n}`, accountName: 'Engines', amount: '1000.00', currency: 'EUR', productType: 'platform', ownerId: 'rep-1', expectedCloseDate: '2030-12-31' })).id,
      );
    }
    const task = await seedRequest('POST', '/tasks', { title: 'Call', type: 'call', related: { type: 'opportunity', id: known.opportunities[0] }, dueAt: '2030-01-01T09:00:00Z', priority: 'normal' });
    const pools = new Map<string, string[]>([
      ['/leads', [...known.leads]],
      ['/opportunities', [...known.opportunities]],
      ['/tasks', [task.id]],
      ['/team/members', [...known.members]],
    ]);

    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
        let schema = operation.requestBody?.content?.['application/json']?.schema ?? null;
        if (!schema && method === 'put' && item.get) {
          const current = await app.request('GET', path);
          if (current.status === 200) schema = schemaOfExample(current.body);
        }
        const parameter = path.indexOf('/{');
        operations.push({ method: method.toUpperCase(), path, collection: parameter === -1 ? null : path.slice(0, parameter), schema });
      }
    }
    // Every context's commands, as the issue lists them; more are welcome, fewer means the document lost some.
    for (const expected of ['POST /leads', 'PUT /scoring/rules', 'PUT /pipeline/stages', 'POST /opportunities/{id}/win', 'POST /tasks', 'POST /activities', 'PUT /team/members/{id}', 'PUT /automation/rules', 'PUT /analytics/costs', 'PUT /analytics/targets', 'POST /analytics/forecast/snapshots']) {
      expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toContain(expected);
    }

    const requests = fc.sample(fc.oneof(...operations.map((operation) => requestOf(operation, known, resolve))), { seed, numRuns: runs });

    const sent: Sent[] = [];
    const failures: Array<Sent & { error?: string }> = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        const { operation, param, payload, headers, caller } = requests[index];
        let path = operation.path;
        if (operation.collection !== null) {
          const ids = pools.get(operation.collection) ?? [];
          const id = 'existing' in param ? (ids.length ? encodeURIComponent(ids[param.existing % ids.length]) : '00000000-0000-4000-8000-000000000000') : param.literal;
          path = path.replace(/\{[^}]+\}/g, id);
        }
        // A correlation id per request: every event a command appends carries it (see below).
        const all = { ...headers, 'x-correlation-id': `fuzz-${seed}-${index}` };
        const body = payload.kind === 'none' ? '' : payload.kind === 'json' ? JSON.stringify(payload.value) : `(${payload.contentType ?? 'no content type'}) ${payload.text}`;
        try {
          const response = await send(operation.method, path, payload, all, caller);
          const record: Sent = { index, operation: `${operation.method} ${operation.path}`, method: operation.method, path, caller, headers, body: truncate(body), status: response.status, response: truncate(response.text, 600), appended: !!response.headers.get('x-event-position') && response.headers.get('idempotent-replayed') !== 'true' };
          sent.push(record);
          if (response.status >= 500) failures.push(record);
          if (response.status === 201 && operation.collection === null && pools.has(operation.path)) {
            const created = JSON.parse(response.text) as { id?: unknown };
            if (typeof created.id === 'string') pools.get(operation.path)?.push(created.id);
          }
          if (response.status < 300 && operation.collection === '/team/members' && 'literal' in param) pools.get('/team/members')?.push(decodeURIComponent(param.literal));
        } catch (error) {
          failures.push({ index, operation: `${operation.method} ${operation.path}`, method: operation.method, path, caller, headers, body: truncate(body), status: 0, response: '', appended: false, error: `${String(error)} (${String((error as { cause?: unknown }).cause)})` });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    // Whatever reacts to the last commands (process managers, automation) gets a moment to do so.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const statuses = new Map<number, number>();
    for (const request of sent) statuses.set(request.status, (statuses.get(request.status) ?? 0) + 1);
    const accepted = sent.filter((request) => request.status < 300).length;
    process.stdout.write(
      `fuzz: seed ${seed}, ${sent.length} requests over ${operations.length} operations in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ` +
        `${accepted} accepted; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    const describeRequest = (request: Sent & { error?: string }) =>
      `#${request.index} ${request.method} ${request.path} as ${request.caller} ${JSON.stringify(request.headers)}\n    body: ${request.body}\n    → ${request.status} ${request.error ?? request.response}`;
    const replay = `replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`;
    const problems: string[] = [];
    if (failures.length) {
      // One example per operation and status, and what the server logged (concurrency hides which request caused which line).
      const groups = new Map<string, Array<Sent & { error?: string }>>();
      for (const failure of failures) groups.set(`${failure.operation} → ${failure.status}`, [...(groups.get(`${failure.operation} → ${failure.status}`) ?? []), failure]);
      const examples = [...groups].map(([group, members]) => `${group}: ${members.length}×, e.g. ${describeRequest(members[0])}`);
      problems.push(`${failures.length} requests got a 5xx or no answer:\n${examples.join('\n')}\nThe server logged:\n${serverErrors(app.output()).join('\n')}`);
    }

    // "Nothing appended for a rejected one", checked on every request rather than a sequential
    // sample: the store's head moves with concurrent and asynchronous appends, but every event
    // records the correlation id of the request that caused it (X-Correlation-Id, carried on by
    // process managers). So a rejected request left nothing behind iff no event carries its id.
    // That this is sound is checked too: every event of the run belongs to a seed request, an
    // accepted one or a scheduler, and every accepted request that reported a position did leave
    // events under its id.
    const { rows } = await pool.query<{ correlation: string | null; events: string; types: string[]; scheduled: boolean }>(
      `SELECT metadata->>'correlationId' AS correlation, count(*) AS events, array_agg(DISTINCT type) AS types, bool_and(metadata->'actor'->>'role' = 'system') AS scheduled
         FROM event_store.events GROUP BY 1`,
    );
    const eventsBy = new Map(rows.map((row) => [row.correlation ?? '', row]));
    const byCorrelation = new Map(sent.map((request) => [`fuzz-${seed}-${request.index}`, request]));
    const leftBehind = sent.filter((request) => request.status >= 400 && eventsBy.has(`fuzz-${seed}-${request.index}`));
    if (leftBehind.length) {
      const listed = leftBehind.slice(0, 8).map((request) => `${describeRequest(request)}\n    appended: ${eventsBy.get(`fuzz-${seed}-${request.index}`)?.types.join(', ')}`);
      problems.push(`${leftBehind.length} rejected requests appended events:\n${listed.join('\n')}`);
    }
    // Schedulers (a task falling overdue, a deal going stale) act on their own, under a run's own correlation id.
    const unattributed = rows.filter((row) => !row.correlation?.startsWith('seed-') && !byCorrelation.has(row.correlation ?? '') && !row.scheduled);
    if (unattributed.length) problems.push(`events no request of the run accounts for: ${JSON.stringify(unattributed.slice(0, 8))}`);
    const missing = sent.filter((request) => request.appended && !eventsBy.has(`fuzz-${seed}-${request.index}`));
    if (missing.length) problems.push(`accepted requests that reported a position but left no event under their correlation id:\n${missing.slice(0, 8).map(describeRequest).join('\n')}`);
    // A fuzzer that never gets past validation proves little: a good share must be accepted.
    if (accepted < runs / 25) problems.push(`only ${accepted} of ${runs} requests were accepted: the generators no longer fit the API`);
    if (problems.length) throw new Error(`seed ${seed} (${replay}):\n\n${problems.join('\n\n')}`);
    expect(sent).toHaveLength(runs);
  }, 300_000);
});

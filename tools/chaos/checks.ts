import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { deadLetterHeaders, eventHeaders } from '@crm/contracts';
import { DistributedStack, ServiceName, serviceNames, ServiceProcess } from './stack';
import { Accepted, sleep } from './workload';

// What must hold after the storm, as numbers to print and assert: the same checks as the
// distributed chaos e2e (apps/crm/src/distributed-chaos.e2e-spec.ts).

type Services = Record<ServiceName, ServiceProcess>;

/**
 * The tasks service's consumers and the stream categories they declare (`tasksConsumers` and
 * `tasksConsumerCategories` in libs/tasks/service, which a testing project may not import). A
 * stale copy shows here as a consumer that never catches up; the distributed chaos e2e imports the
 * originals.
 */
const tasksConsumers = { relatedRecords: 'tasks.related-records', customerRecords: 'tasks.customer-records' } as const;
const tasksConsumerCategories: Record<keyof typeof tasksConsumers, readonly string[]> = {
  relatedRecords: ['lead', 'opportunity', 'account', 'contact'],
  customerRecords: ['lead', 'account', 'contact', 'opportunity'],
};

const workspaceRoot = join(__dirname, '..', '..');

const countEvents = async (stack: DistributedStack, service: ServiceProcess, where = 'true'): Promise<number> =>
  Number((await stack.sql<{ n: string }>(service, `SELECT count(*) AS n FROM event_store.events WHERE ${where}`))[0].n);
const countRows = async (stack: DistributedStack, service: ServiceProcess, from: string, params: unknown[] = []): Promise<number> =>
  Number((await stack.sql<{ n: string }>(service, `SELECT count(*) AS n FROM ${from}`, params))[0].n);
const categoryIn = (categories: readonly string[]) => `split_part(stream_id, '-', 1) IN (${categories.map((category) => `'${category}'`).join(', ')})`;

export const eventsPerStore = async (stack: DistributedStack, services: Services): Promise<Record<ServiceName, number>> =>
  Object.fromEntries(await Promise.all(serviceNames.map(async (name) => [name, await countEvents(stack, services[name])]))) as Record<ServiceName, number>;

/**
 * Waits until every consumer has applied everything its producers stored: what analytics logged
 * equals the stores, each conversion opened a deal, each inbox holds the events it subscribes to.
 * On time-out the error names the gaps.
 */
export const waitUntilQuiet = async (stack: DistributedStack, services: Services, timeoutMs: number): Promise<number> => {
  const started = Date.now();
  // A category's events are all in one service's store: counting across the stores finds them.
  const eventsOf = async (categories: readonly string[]) =>
    (await Promise.all(serviceNames.map((name) => countEvents(stack, services[name], categoryIn(categories))))).reduce((sum, value) => sum + value, 0);
  const gaps = async () => {
    const stored = Object.values(await eventsPerStore(stack, services)).reduce((sum, value) => sum + value, 0);
    const pairs: Array<[string, number, number]> = [
      ['analytics.event_log vs stores', await countRows(stack, services['analytics-service'], 'analytics.event_log'), stored],
      [
        'OpportunityOpened from a lead vs LeadConverted',
        await countEvents(stack, services['opportunities-service'], "type = 'OpportunityOpened' AND data ? 'leadId'"),
        await countEvents(stack, services['leads-service'], "type = 'LeadConverted'"),
      ],
      ...(await Promise.all(
        (Object.keys(tasksConsumers) as Array<keyof typeof tasksConsumers>).map(async (key): Promise<[string, number, number]> => [
          `${tasksConsumers[key]} inbox vs ${tasksConsumerCategories[key].join(', ')} events`,
          await countRows(stack, services['tasks-service'], 'event_bus.inbox WHERE consumer = $1', [tasksConsumers[key]]),
          await eventsOf(tasksConsumerCategories[key]),
        ]),
      )),
      [
        'opportunities.activities inbox vs activity and task events',
        await countRows(stack, services['opportunities-service'], 'event_bus.inbox WHERE consumer = $1', ['opportunities.activities']),
        await countEvents(stack, services['tasks-service'], categoryIn(['activity', 'task'])),
      ],
      [
        'leads.team-directory inbox vs team events',
        await countRows(stack, services['leads-service'], 'event_bus.inbox WHERE consumer = $1', ['leads.team-directory']),
        await countEvents(stack, services['tasks-service'], categoryIn(['team'])),
      ],
    ];
    return pairs.filter(([, applied, expected]) => applied !== expected).map(([what, applied, expected]) => `${what}: ${applied} of ${expected}`);
  };
  for (;;) {
    const open = await gaps();
    if (open.length === 0) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) {
      const missing = await eventsMissingFromAnalytics(stack, services);
      throw new Error(`the consumers did not catch up within ${timeoutMs / 1000} s: ${open.join('; ')}\nstored but not in analytics.event_log:\n${JSON.stringify(missing, null, 1)}`);
    }
    await sleep(500);
  }
};

/**
 * For a post-mortem: each stored event analytics has not logged, with how far its producer's relay
 * got and whether analytics' consumer recorded it in its inbox (applied, yet not logged) or not.
 */
export const eventsMissingFromAnalytics = async (stack: DistributedStack, services: Services) => {
  const logged = new Set((await stack.sql<{ event_id: string }>(services['analytics-service'], 'SELECT event_id FROM analytics.event_log')).map((row) => row.event_id));
  const inbox = new Set((await stack.sql<{ event_id: string }>(services['analytics-service'], 'SELECT event_id FROM event_bus.inbox')).map((row) => row.event_id));
  const missing = [];
  for (const name of serviceNames) {
    const checkpoints = await stack.sql(services[name], 'SELECT name, position, updated_at FROM event_store.subscription_checkpoints ORDER BY name');
    const rows = await stack.sql<{ event_id: string }>(services[name], 'SELECT event_id, global_position, stream_id, type, recorded_at FROM event_store.events ORDER BY global_position');
    for (const row of rows.filter((event) => !logged.has(event.event_id))) missing.push({ store: name, ...row, inAnalyticsInbox: inbox.has(row.event_id), checkpoints });
  }
  return missing;
};

/** Accepted commands whose event position is not in their service's store (lost writes). */
export const lostAcceptedCommands = async (stack: DistributedStack, services: Services, accepted: Accepted[]): Promise<Record<ServiceName, number>> => {
  const lost = {} as Record<ServiceName, number>;
  for (const name of serviceNames) {
    const positions = [...new Set(accepted.filter((entry) => entry.service === name).map((entry) => entry.position))];
    const found = await stack.sql(services[name], 'SELECT global_position FROM event_store.events WHERE global_position = ANY($1::bigint[])', [positions]);
    lost[name] = positions.length - found.length;
  }
  return lost;
};

/** Effects that happened twice: a second deal for one converted lead, a rule's task generated twice. */
export const duplicateEffects = async (stack: DistributedStack, services: Services) => {
  const dealsPerLead = await stack.sql(
    services['opportunities-service'],
    "SELECT data->>'leadId' AS lead, count(*) FROM event_store.events WHERE type = 'OpportunityOpened' GROUP BY 1 HAVING count(*) > 1",
  );
  const generatedTasks = await stack.sql(
    services['tasks-service'],
    "SELECT data->>'triggeredBy' AS trigger, data->>'automationRule' AS rule, data->>'title' AS title, count(*) FROM event_store.events WHERE type = 'TaskCreated' AND data ? 'triggeredBy' GROUP BY 1, 2, 3 HAVING count(*) > 1",
  );
  const generated = await countEvents(stack, services['tasks-service'], "type = 'TaskCreated' AND data ? 'triggeredBy'");
  return { dealsPerLead, generatedTasks, generated };
};

export type DeadLetter = { topic: string; type: string; eventId: string; error: string };

/** Messages parked on this run's dead-letter topics: effects the consumers gave up on, with why. */
export const deadLetters = async (prefix: string): Promise<DeadLetter[]> => {
  const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'crm-chaos-check', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const parked = new Map<string, number>();
  try {
    for (const topic of (await admin.listTopics()).filter((name) => name.startsWith(prefix) && name.endsWith('.dlq'))) {
      const count = (await admin.fetchTopicOffsets(topic)).reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
      if (count > 0) parked.set(topic, count);
    }
  } finally {
    await admin.disconnect();
  }
  const total = [...parked.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return [];
  const letters: DeadLetter[] = [];
  const header = (value: unknown) => String(Array.isArray(value) ? value[0] : (value ?? ''));
  const consumer = kafka.consumer({ groupId: `${prefix}chaos-check-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...parked.keys()], fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          const headers = message.headers ?? {};
          letters.push({ topic, type: header(headers[eventHeaders.type]), eventId: header(headers[eventHeaders.eventId]), error: header(headers[deadLetterHeaders.error]) });
          if (letters.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return letters.length === total ? letters : [...letters, ...Array.from({ length: total - letters.length }, () => ({ topic: '?', type: '?', eventId: '?', error: 'not read back within 30 s' }))];
};

const snapshot = async (stack: DistributedStack, service: ServiceProcess, tables: string[]) => {
  const result: Record<string, unknown[]> = {};
  for (const table of tables) result[table] = await stack.sql(service, `SELECT * FROM ${table} t ORDER BY t::text`);
  return result;
};
const differences = (before: Record<string, unknown[]>, after: Record<string, unknown[]>) => Object.keys(before).filter((table) => !isDeepStrictEqual(before[table], after[table]));

export type ReadModelComparison = { compared: string[]; rows: number; differing: string[] };

/**
 * Analytics: its event log holds exactly the stores' events, and the rebuild CLI (run beside the
 * live service, which waits on the projection lock) reproduces every table.
 */
export const compareAnalyticsWithRebuild = async (stack: DistributedStack, services: Services): Promise<ReadModelComparison & { logNotInStores: number; storesNotInLog: number }> => {
  const stored = new Set<string>();
  for (const name of serviceNames) for (const row of await stack.sql<{ event_id: string }>(services[name], 'SELECT event_id FROM event_store.events')) stored.add(row.event_id);
  const logged = (await stack.sql<{ event_id: string }>(services['analytics-service'], 'SELECT event_id FROM analytics.event_log')).map((row) => row.event_id);
  const loggedSet = new Set(logged);
  const logNotInStores = logged.filter((id) => !stored.has(id)).length + (logged.length - loggedSet.size);
  const storesNotInLog = [...stored].filter((id) => !loggedSet.has(id)).length;

  const tables = ['leads', 'deals', 'deal_events', 'tasks', 'activities', 'members', 'marketing_costs', 'targets', 'pipeline_stages'].map((table) => `analytics.${table}`);
  const before = await snapshot(stack, services['analytics-service'], tables);
  const rebuild = spawn(process.execPath, [join(workspaceRoot, 'dist/apps/analytics-service/src/rebuild.js'), '--source', 'event-log'], {
    env: { ...process.env, DATABASE_URL: services['analytics-service'].databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  rebuild.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  rebuild.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => rebuild.once('exit', resolve));
  if (code !== 0 || !/rebuild: done, \d+ events applied/.test(output)) throw new Error(`the analytics rebuild failed (exit ${code}): ${output.trim().split('\n').slice(-5).join(' | ')}`);
  const after = await snapshot(stack, services['analytics-service'], tables);
  return { compared: tables, rows: Object.values(after).reduce((sum, rows) => sum + rows.length, 0), differing: differences(before, after), logNotInStores, storesNotInLog };
};

const commandViews: Array<[ServiceName, Array<[table: string, subscription: string, category: string]>]> = [
  ['leads-service', [['leads.lead_view', 'leads.lead-view', 'lead']]],
  ['opportunities-service', [['opportunities.opportunity_view', 'opportunities.opportunity-view', 'opportunity']]],
  [
    'tasks-service',
    [
      ['tasks.task_view', 'tasks.task-view', 'task'],
      ['tasks.activity_view', 'tasks.activity-view', 'activity'],
      ['tasks.team_members', 'tasks.team-directory', 'team'],
    ],
  ],
];

/**
 * The command services' own views: each service stopped (SIGTERM, which must exit 0), its views
 * emptied and their checkpoints dropped, started again, and compared once it has caught up.
 * Replaces the restarted processes in `services`.
 */
export const compareViewsWithRebuild = async (stack: DistributedStack, services: Services): Promise<ReadModelComparison & { stopCodes: Array<number | null> }> => {
  const result = { compared: [] as string[], rows: 0, differing: [] as string[], stopCodes: [] as Array<number | null> };
  for (const [name, views] of commandViews) {
    result.stopCodes.push(await stack.kill(services[name], 'SIGTERM'));
    const tables = views.map(([table]) => table);
    const before = await snapshot(stack, services[name], tables);
    for (const [table, subscription] of views) {
      await stack.sql(services[name], `TRUNCATE ${table}`);
      await stack.sql(services[name], 'DELETE FROM event_store.subscription_checkpoints WHERE name = $1', [subscription]);
    }
    services[name] = await stack.restart(services[name]);
    // Caught up: each view's checkpoint has passed the last event of its category.
    const caughtUp = async ([, subscription, category]: [string, string, string]) => {
      const [row] = await stack.sql<{ reached: boolean }>(
        services[name],
        `SELECT COALESCE((SELECT position FROM event_store.subscription_checkpoints WHERE name = $1), -1)
                >= (SELECT COALESCE(max(global_position), 0) FROM event_store.events WHERE split_part(stream_id, '-', 1) = $2) AS reached`,
        [subscription, category],
      );
      return row.reached;
    };
    const deadline = Date.now() + 60_000;
    while (!(await Promise.all(views.map(caughtUp))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error(`${name} did not rebuild its views within 60 s`);
      await sleep(200);
    }
    const after = await snapshot(stack, services[name], tables);
    result.compared.push(...tables);
    result.rows += Object.values(after).reduce((sum, rows) => sum + rows.length, 0);
    result.differing.push(...differences(before, after));
  }
  return result;
};

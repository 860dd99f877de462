/* eslint-disable no-console */
import 'reflect-metadata';
import { analyticsSchemaSql, createAnalyticsDataSource, foreignCategories, rebuildReadModels } from '@crm/analytics-service';
import { ConfigError, createEventStore, EmbeddedPostgres, EmbeddedPostgresError, loadConfig, ProjectionRebuildMetrics, startEmbeddedPostgres } from '@crm/platform';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Registry } from 'prom-client';

// `npm run analytics:rebuild -- [--source store|event-log] [--schema analytics]`: empties the
// analytics read models and replays the log into them, printing progress. Against DATABASE_URL, or
// the embedded database in DATA_DIR (stop `npm start` first: one server per data directory).
// The live projectors may keep running: they wait while the rebuild holds the projection lock.
// Its progress as Prometheus metrics (crm_projection_rebuild_*): `--print-metrics` prints them at
// the end, `--pushgateway URL` pushes them to a Prometheus Pushgateway as it goes (job
// crm_analytics_rebuild). A running service rebuilds with `POST /analytics/rebuild` instead.

const usage = 'usage: analytics:rebuild [--source auto|store|event-log] [--schema NAME] [--print-metrics] [--pushgateway URL]';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = process.argv[index + 1];
  if (!value || value.startsWith('--')) throw new ConfigError(`--${name} needs a value; ${usage}`);
  return value;
};

const main = async () => {
  const config = loadConfig(process.env);
  const source = argument('source', 'auto');
  const schema = argument('schema', 'analytics');
  if (!['auto', 'store', 'event-log'].includes(source)) throw new ConfigError(`--source must be auto, store or event-log; ${usage}`);
  const pushgateway = argument('pushgateway', '');
  if (pushgateway && !/^https?:\/\/[^\s/]+/.test(pushgateway)) throw new ConfigError(`--pushgateway must be an http(s) URL; ${usage}`);
  const registry = new Registry();
  const tracker = new ProjectionRebuildMetrics(registry).start('analytics');
  const push = async () => {
    if (!pushgateway) return;
    const response = await fetch(`${pushgateway.replace(/\/+$/, '')}/metrics/job/crm_analytics_rebuild`, { method: 'PUT', headers: { 'content-type': registry.contentType }, body: await registry.metrics() });
    if (!response.ok) console.warn(`rebuild: the Pushgateway answered ${response.status}`);
  };
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), database: 'crm', log: (line) => console.log(`rebuild: ${line}`) });
    url = embedded.url;
  }
  const pool = new Pool({ connectionString: url, max: 4, application_name: 'analytics-rebuild' });
  try {
    const store = await createEventStore(config, pool);
    await pool.query(analyticsSchemaSql(schema));
    const dataSource = await createAnalyticsDataSource(pool, schema);
    // The store holds every context's events when the contexts share it (embedded mode); a
    // distributed analytics service's store holds only its own, and its event log the rest.
    const chosen =
      source === 'auto' ? ((await store.readAll({ after: 0, maxCount: 1, categories: foreignCategories })).length > 0 ? 'store' : 'event-log') : (source as 'store' | 'event-log');
    console.log(`rebuild: replaying ${chosen === 'store' ? 'the event store' : `${schema}.event_log`} into ${schema}`);
    const started = Date.now();
    let lastPrint = 0;
    const result = await rebuildReadModels({
      dataSource,
      schema,
      store,
      source: chosen,
      batchSize: 5_000,
      onProgress: ({ applied, total }) => {
        tracker.progress(applied, total);
        if (Date.now() - lastPrint < 1_000) return;
        void push().catch((error: unknown) => console.warn(`rebuild: pushing metrics failed: ${(error as Error).message}`));
        lastPrint = Date.now();
        const rate = Math.round(applied / Math.max(0.001, (Date.now() - started) / 1000));
        console.log(`rebuild: ${applied}${total ? ` of ~${total} (${Math.min(100, (applied / total) * 100).toFixed(1)}%)` : ''} events, ${rate}/s`);
      },
    });
    console.log(`rebuild: done, ${result.applied} events applied in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    tracker.done(result.applied);
    await push().catch((error: unknown) => console.warn(`rebuild: pushing metrics failed: ${(error as Error).message}`));
    if (process.argv.includes('--print-metrics')) console.log((await registry.metrics()).trimEnd());
    await store.close();
  } finally {
    await pool.end();
    await embedded?.stop();
  }
};

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof EmbeddedPostgresError;
  console.error(`rebuild: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
  process.exit(1);
});

import { join } from 'node:path';
import { createDistributedStack, describeWithInfra, serviceNames } from './stack';
import { compareAnalyticsWithRebuild, compareViewsWithRebuild, deadLetters, DeadLetter, duplicateEffects, eventsPerStore, lostAcceptedCommands, waitUntilQuiet } from './checks';
import { InfraRestart, restartKafkaBroker, restartPostgres } from './faults';
import { superviseStack, Supervisor } from './supervisor';
import { createCrmWorkload, createRecordingClient, runSteadyLoad, sleep } from './workload';

// `npm run chaos` (not part of `npm test`): the four services under steady load while a random one
// is SIGKILLed every few seconds, the Kafka broker is restarted once and PostgreSQL once. Then: no
// accepted command lost, no effect twice, every read model equal to a rebuild; counts printed.

const seconds = Number(process.env.CHAOS_SECONDS ?? 120);
const rate = Number(process.env.CHAOS_RATE ?? 20);
const killEverySeconds = Number(process.env.CHAOS_KILL_EVERY_SECONDS ?? 8);
const maxDown = Number(process.env.CHAOS_MAX_DOWN ?? 2);
const workers = 4;
// Every service process's output ends up here (gitignored), for the post-mortem of a failed run.
const outputDir = join(__dirname, '..', '..', 'tmp', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));

const startedAt = Date.now();
const log = (line: string) => void process.stdout.write(`[chaos +${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${line}\n`);
const downtime = (values: number[]) =>
  values.length === 0 ? '-' : `mean ${(values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(1)} s, max ${Math.max(...values).toFixed(1)} s`;
const describeRestart = (restart: InfraRestart) => (restart.done ? `1 (back after ${restart.downSeconds.toFixed(1)} s)` : `0 (skipped: ${restart.reason})`);

describeWithInfra(['postgres', 'kafka'], 'chaos: the distributed stack under steady load', () => {
  const stack = createDistributedStack();
  let supervisor: Supervisor | undefined;
  afterAll(async () => {
    supervisor?.keepOutputs('final');
    const codes = await stack.stop();
    expect(codes.every((code) => code === 0)).toBe(true);
  }, 120_000);

  it(
    'loses no accepted command, repeats no effect and keeps every read model equal to a rebuild through SIGKILLs and broker and PostgreSQL restarts',
    async () => {
      const chaos = await superviseStack(stack, { log, outputDir, startedAt });
      supervisor = chaos;
      for (const [index, region] of ['EMEA', 'NA', 'APAC', 'EMEA'].entries()) {
        const member = await stack.call(chaos.services['tasks-service'], 'PUT', `/team/members/rep-${index}`, {
          name: `Rep ${index}`,
          email: `rep${index}@example.com`,
          role: 'rep',
          managerId: 'mgr-1',
          teamId: `team-${index % 2}`,
          region,
          productLines: ['platform'],
          active: true,
        });
        expect(member.status).toBe(201);
      }
      const client = createRecordingClient((service, method, path, body) => stack.call(chaos.services[service], method, path, body));
      log(`load: ${rate} commands/s from ${workers} workers for ${seconds} s, a SIGKILL every ${killEverySeconds} s unless ${maxDown} service(s) are still starting`);

      const loadStarted = Date.now();
      const loadEnds = loadStarted + seconds * 1000;
      // On a fixed beat, with at most CHAOS_MAX_DOWN services down at once: a killed service takes
      // tens of seconds to come back, and with all of them down the load would only count refusals.
      let beatsSkipped = 0;
      const kills = (async () => {
        for (let n = 1; loadStarted + n * killEverySeconds * 1000 < loadEnds; n++) {
          await sleep(loadStarted + n * killEverySeconds * 1000 - Date.now());
          const up = chaos.up();
          if (serviceNames.length - up.length >= maxDown) beatsSkipped++;
          else await chaos.kill(up[Math.floor(Math.random() * up.length)]);
        }
      })();
      // Apart in time, so a crash can be told to follow one or the other.
      const postgres = sleep(seconds * 250).then(() => restartPostgres(log));
      const broker = sleep(seconds * 500).then(() => restartKafkaBroker(log));
      const progress = setInterval(() => log(`sent ${client.counts.sent}, accepted ${client.counts.accepted}, unreachable ${client.counts.unreachable}; services up: ${chaos.up().join(', ') || 'none'}`), 10_000);
      try {
        await runSteadyLoad({ rate, seconds, workers, step: createCrmWorkload(client.send) });
      } finally {
        clearInterval(progress);
      }
      const [postgresRestart, brokerRestart] = await Promise.all([postgres, broker, kills]);
      const services = await chaos.release();
      log(`load done after ${((Date.now() - loadStarted) / 1000).toFixed(1)} s; waiting for the consumers to catch up`);

      // The report is printed whatever happens next: a check that throws still leaves the counts.
      const serverErrors = [...client.outcomes].filter(([kind]) => / 5\d\d$/.test(kind)).reduce((sum, [, count]) => sum + count, 0);
      const report: Array<[string, string | number]> = [
        ['load', `${seconds} s at ${rate} commands/s from ${workers} workers`],
        ['commands sent', client.counts.sent],
        ['accepted', client.counts.accepted],
        ['answered, not accepted', `${client.counts.rejected} (of which 5xx: ${serverErrors})`],
        ['unreachable', client.counts.unreachable],
        ['SIGKILLs', `${chaos.counts.kills} (beats skipped with ${maxDown} service(s) still starting: ${beatsSkipped})`],
        ['restarts', `${chaos.counts.restarts} (failed start attempts ${chaos.counts.failedStarts})`],
        ['time to come back', downtime(chaos.downtimes)],
        ['services that died on their own', chaos.crashes.map((crash) => `${crash.service} at +${crash.atSeconds} s`).join(', ') || 0],
        ['Kafka broker restarts', describeRestart(brokerRestart)],
        ['PostgreSQL restarts', describeRestart(postgresRestart)],
      ];
      let parked: DeadLetter[] = [];
      let lost: Record<string, number>;
      let duplicates: Awaited<ReturnType<typeof duplicateEffects>>;
      let analytics: Awaited<ReturnType<typeof compareAnalyticsWithRebuild>>;
      let views: Awaited<ReturnType<typeof compareViewsWithRebuild>>;
      try {
        try {
          report.push(['consumers caught up after', `${(await waitUntilQuiet(stack, services, 180_000)).toFixed(1)} s`]);
        } finally {
          // Also when the consumers never caught up: a parked message is the likeliest reason.
          parked = await deadLetters(stack.prefix);
          report.push(['dead-lettered messages', parked.length]);
        }
        const events = await eventsPerStore(stack, services);
        report.push(['events per store', serviceNames.map((name) => `${name} ${events[name]}`).join(', ')]);
        lost = await lostAcceptedCommands(stack, services, client.accepted);
        report.push(['accepted commands lost', Object.values(lost).reduce((sum, count) => sum + count, 0)]);
        duplicates = await duplicateEffects(stack, services);
        const { dealsPerLead, generatedTasks, generated } = duplicates;
        report.push(['duplicate effects', `${dealsPerLead.length + generatedTasks.length} (deals per lead ${dealsPerLead.length}, generated tasks ${generatedTasks.length} of ${generated})`]);
        analytics = await compareAnalyticsWithRebuild(stack, services);
        report.push(['analytics event log vs stores', `${analytics.storesNotInLog} missing, ${analytics.logNotInStores} extra`]);
        views = await compareViewsWithRebuild(stack, services);
        const differing = [...analytics.differing, ...views.differing];
        report.push(['read models compared with a rebuild', `${analytics.compared.length + views.compared.length} tables, ${analytics.rows + views.rows} rows, ${differing.length} differ ${differing.join(' ')}`]);
      } finally {
        report.push(['duration', `${((Date.now() - startedAt) / 1000).toFixed(0)} s in all; service output in ${outputDir}`]);
        process.stdout.write(`\nchaos report\n${report.map(([what, value]) => `  ${what.padEnd(36)} ${value}`).join('\n')}\n\n`);
        for (const letter of parked) process.stdout.write(`finding: ${letter.type} ${letter.eventId} parked on ${letter.topic}: ${letter.error}\n`);
        for (const crash of chaos.crashes) process.stdout.write(`finding: ${crash.service} exited (code ${crash.code}, signal ${crash.signal}) at +${crash.atSeconds} s:\n${crash.lastLines}\n\n`);
      }

      expect(lost).toEqual(Object.fromEntries(serviceNames.map((name) => [name, 0])));
      expect(duplicates.dealsPerLead).toEqual([]);
      expect(duplicates.generatedTasks).toEqual([]);
      expect(parked).toEqual([]);
      expect({ missing: analytics.storesNotInLog, extra: analytics.logNotInStores }).toEqual({ missing: 0, extra: 0 });
      expect([...analytics.differing, ...views.differing]).toEqual([]);
      expect(views.stopCodes).toEqual([0, 0, 0]);
      // The storm was real: commands found services down, and some were accepted all the same.
      expect(chaos.counts.kills).toBeGreaterThan(0);
      expect(client.counts.unreachable).toBeGreaterThan(0);
      expect(client.counts.accepted).toBeGreaterThan(0);
      expect(duplicates.generated).toBeGreaterThan(10);
      expect(chaos.crashes.map(({ service, atSeconds }) => ({ service, atSeconds }))).toEqual([]);
    },
    seconds * 1000 + 900_000,
  );
});

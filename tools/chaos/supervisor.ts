import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DistributedStack, ServiceName, serviceNames, ServiceProcess } from './stack';
import { sleep } from './workload';

/** A service that exited without being killed: a finding, reported with the end of its output. */
export type Crash = { service: ServiceName; atSeconds: number; code: number | null; signal: string | null; lastLines: string };

export type Supervisor = {
  /** The running process of each service (replaced on every restart). */
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly crashes: Crash[];
  readonly counts: { kills: number; restarts: number; failedStarts: number };
  /** Seconds from each kill (or crash) until the service listened again. */
  readonly downtimes: number[];
  /** The services up now (not being started again). */
  up: () => ServiceName[];
  /** SIGKILLs the service; it is started again in the background. */
  kill: (name: ServiceName) => Promise<void>;
  /** Writes the output of every service process running now next to the others'. */
  keepOutputs: (why: string) => void;
  /** Waits for restarts under way, then stops watching: later exits are the caller's business. */
  release: () => Promise<Record<ServiceName, ServiceProcess>>;
};

/** Our child processes running `script`: what a start that timed out may have left behind. */
const childrenRunning = (script: string): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const parent = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
        return parent === String(process.pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);

/**
 * Keeps the four services up under chaos. Starting can fail while PostgreSQL or the broker is
 * restarting (the service exits 1, or does not listen within the stack's 60 s), so a start is
 * retried until it sticks, and a process left half-started is killed first so there is one
 * process per service. A service that dies on its own is recorded as a crash and started again.
 */
export const superviseStack = async (stack: DistributedStack, options: { log: (line: string) => void; outputDir: string; startedAt: number }): Promise<Supervisor> => {
  const { log, outputDir, startedAt } = options;
  mkdirSync(outputDir, { recursive: true });
  let files = 0;
  /** Keeps a finished process's output for the post-mortem; the file's path. */
  const keep = (name: ServiceName, why: string, output: string) => {
    const file = join(outputDir, `${String(++files).padStart(3, '0')}-${name}-${why}.log`);
    writeFileSync(file, output);
    return file;
  };
  const services = {} as Record<ServiceName, ServiceProcess>;
  const crashes: Crash[] = [];
  const counts = { kills: 0, restarts: 0, failedStarts: 0 };
  const downtimes: number[] = [];
  const killed = new Set<ServiceProcess>();
  const restarting = new Map<ServiceName, Promise<void>>();
  let watching = true;

  const startAgain = async (previous: ServiceProcess, downSince: number): Promise<void> => {
    const script = `dist/apps/${previous.name}/src/main.js`;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const before = new Set(childrenRunning(script));
      try {
        watch((services[previous.name] = await stack.restart(previous)));
        counts.restarts++;
        downtimes.push((Date.now() - downSince) / 1000);
        log(`${previous.name} is back after ${((Date.now() - downSince) / 1000).toFixed(1)} s`);
        return;
      } catch (error) {
        counts.failedStarts++;
        for (const pid of childrenRunning(script).filter((pid) => !before.has(pid))) process.kill(pid, 'SIGKILL');
        const file = keep(previous.name, 'failed-start', (error as Error).message);
        log(`${previous.name} did not start (${(error as Error).message.split(':')[0]}; output in ${file}); retrying`);
        if (Date.now() > deadline) throw new Error(`${previous.name} could not be started again within 5 minutes`);
        await sleep(1000);
      }
    }
  };
  const restart = (previous: ServiceProcess, downSince: number): Promise<void> => {
    const pending = previous.exited.then(() => startAgain(previous, downSince)).finally(() => restarting.delete(previous.name));
    restarting.set(previous.name, pending);
    return pending;
  };

  const watch = (service: ServiceProcess) => {
    void service.exited.then((code) => {
      if (!watching || killed.has(service)) return;
      const crash: Crash = {
        service: service.name,
        atSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
        code,
        signal: service.child.signalCode,
        lastLines: service.output().trim().split('\n').slice(-8).join('\n'),
      };
      keep(service.name, 'crashed', service.output());
      crashes.push(crash);
      log(`FINDING: ${service.name} exited on its own (code ${code}, signal ${crash.signal}); starting it again. Last output:\n${crash.lastLines}`);
      void restart(service, Date.now()).catch((error: Error) => log(error.message));
    });
  };

  await Promise.all(serviceNames.map(async (name) => watch((services[name] = await stack.start(name)))));

  return {
    services,
    crashes,
    counts,
    downtimes,
    up: () => serviceNames.filter((name) => !restarting.has(name)),
    kill: async (name) => {
      if (restarting.has(name)) return;
      const victim = services[name];
      // Died on its own a moment ago: the watcher records that and starts it again.
      if (victim.child.exitCode !== null || victim.child.signalCode !== null) return;
      killed.add(victim);
      victim.child.kill('SIGKILL');
      const downSince = Date.now();
      void restart(victim, downSince).catch((error: Error) => log(error.message));
      await victim.exited;
      keep(name, 'killed', victim.output());
      counts.kills++;
      log(`SIGKILLed ${name} (pid ${victim.child.pid})`);
    },
    keepOutputs: (why) => {
      for (const name of serviceNames) if (services[name]) keep(name, why, services[name].output());
    },
    release: async () => {
      while (restarting.size > 0) await Promise.all(restarting.values());
      watching = false;
      return services;
    },
  };
};

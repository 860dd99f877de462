import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Clock } from './tasks.options';
import { quoteIdent } from './tasks.schema';

export type OverdueSchedulerOptions = {
  pool: Pool;
  schema: string;
  clock: Clock;
  /** Asks the task to report itself overdue as of `asOf`; resolves whether it appended anything. */
  markOverdue: (tenantId: string, taskId: string, asOf: string, tickId: string) => Promise<boolean>;
  onError: (taskId: string, error: unknown) => void;
  intervalMs: number;
  batchSize?: number;
  concurrency?: number;
};

const firstKey: [string, string] = ['-infinity', '00000000-0000-0000-0000-000000000000'];

/**
 * Finds open tasks past their due date that the read model does not yet show as reported, and
 * asks each to report itself. What was reported lives in the task's own stream (the decider
 * reports once per due date) and the event id derives from task and due date, so a restart, a
 * second instance or a lagging read model can neither duplicate nor miss a TaskBecameOverdue:
 * a task the view still shows unreported is simply asked again and declines.
 */
export class OverdueScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(private readonly options: OverdueSchedulerOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    const schedule = () => {
      this.timer = setTimeout(() => {
        void this.tick()
          .catch((error: unknown) => this.options.onError('*', error))
          .finally(() => {
            if (!this.stopped) schedule();
          });
      }, this.options.intervalMs);
      // Shutdown is onModuleDestroy's job: the timer alone must not keep the process alive.
      this.timer.unref();
    };
    schedule();
  }

  /** One pass as of the clock's time now; concurrent calls share the pass in progress. Resolves how many were reported. */
  tick(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer and any pass in progress after the task it is on. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<number> {
    const asOf = this.options.clock().toISOString();
    const tickId = randomUUID();
    const table = `${quoteIdent(this.options.schema)}.task_view`;
    const batchSize = this.options.batchSize ?? 200;
    let reported = 0;
    let after = firstKey;
    while (!this.stopped) {
      // Keyset over (due_at, task_id): a task the view lags on is passed over, not asked forever.
      const { rows } = await this.options.pool.query<{ task_id: string; tenant_id: string; due_at: Date }>(
        `SELECT task_id, tenant_id, due_at FROM ${table}
          WHERE status = 'open' AND NOT overdue_flagged AND due_at < $1 AND (due_at, task_id) > ($2::timestamptz, $3::uuid)
          ORDER BY due_at, task_id LIMIT $4`,
        [asOf, after[0], after[1], batchSize],
      );
      if (rows.length === 0) break;
      const queue = [...rows];
      const worker = async () => {
        for (let row = queue.shift(); row && !this.stopped; row = queue.shift()) {
          try {
            if (await this.options.markOverdue(row.tenant_id, row.task_id, asOf, tickId)) reported++;
          } catch (error) {
            // Left for the next pass: the view still shows it unreported.
            this.options.onError(row.task_id, error);
          }
        }
      };
      await Promise.all(Array.from({ length: this.options.concurrency ?? 8 }, worker));
      const last = rows[rows.length - 1];
      after = [last.due_at.toISOString(), last.task_id];
      if (rows.length < batchSize) break;
    }
    return reported;
  }
}

/** Where time comes from: injectable so the overdue scheduler can be driven by a test's clock. */
export type Clock = () => Date;

export type TasksOptions = {
  /** PostgreSQL schema of the context's own tables. */
  schema: string;
  clock: Clock;
  /** How often the overdue scheduler looks for open tasks past their due date; 0 turns the timer off. */
  overdueIntervalMs: number;
};

export const TASKS_OPTIONS = Symbol('TASKS_OPTIONS');

/** Defaults; TASKS_OVERDUE_INTERVAL_MS tunes the scheduler without a code change (tests shorten it). */
export const tasksOptions = (overrides: Partial<TasksOptions> = {}, env: NodeJS.ProcessEnv = process.env): TasksOptions => {
  const fromEnv = Number(env.TASKS_OVERDUE_INTERVAL_MS);
  return {
    schema: 'tasks',
    clock: () => new Date(),
    overdueIntervalMs: Number.isInteger(fromEnv) && fromEnv >= 0 ? fromEnv : 5_000,
    ...overrides,
  };
};

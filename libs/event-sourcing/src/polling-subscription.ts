import { EventEnvelope } from '@crm/contracts';
import { Subscription } from './event-store';

export type PollingSource = {
  /** Events after `position`, oldest first, at most `max`; only ones safe to read (no gaps). */
  readBatch: (after: number, max: number) => Promise<EventEnvelope[]>;
  /**
   * Hands the batch (read after `from`) to the consumer and durably records its last position as
   * the checkpoint; all-or-nothing where the adapter can make it so. Resolves to the position to go
   * on from: normally the batch's last position; when a second instance of the same subscription
   * already handled the batch's first event, the checkpoint it stored, and the loop re-reads there.
   */
  deliver: (events: EventEnvelope[], from: number) => Promise<number>;
  /**
   * The newest position readable now. When given, the loop also moves past events it does not
   * subscribe to (other categories), so `waitFor(p)` means "everything up to p is handled", whatever
   * p belongs to. The move is not checkpointed: a restart scans those events again, harmlessly.
   */
  headPosition?: () => Promise<number>;
  /** Resolves when new events may be available, or after `timeoutMs`. */
  waitForChange: (timeoutMs: number) => Promise<void>;
};

export type PollingOptions = {
  name: string;
  startAfter: number;
  batchSize: number;
  idlePollMs: number;
  onError?: (error: unknown, attempt: number) => void;
};

/**
 * The read-deliver-checkpoint loop shared by the store adapters. One batch at a time, in global
 * order; a failed batch is retried with backoff (the checkpoint did not move, so nothing is
 * skipped), and the loop stops only when asked to.
 */
export const startPollingSubscription = (source: PollingSource, options: PollingOptions): Subscription => {
  let position = options.startAfter;
  let stopped = false;
  const waiters = new Set<{ target: number; resolve: () => void }>();

  const settleWaiters = () => {
    for (const waiter of waiters) {
      if (position >= waiter.target) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        // Read the head first: every matching event at or below it is then in this batch or the next.
        const head = source.headPosition ? await source.headPosition() : undefined;
        const batch = await source.readBatch(position, options.batchSize);
        if (stopped) break;
        let caughtUp = batch.length < options.batchSize;
        if (batch.length > 0) {
          position = await source.deliver(batch, position);
          // Another instance handled part of the batch: re-read from its checkpoint, never jump.
          if (position < batch[batch.length - 1].globalPosition) caughtUp = false;
        }
        if (head !== undefined && caughtUp && head > position) position = head;
        failures = 0;
        settleWaiters();
        if (batch.length === 0) await source.waitForChange(options.idlePollMs);
      } catch (error) {
        failures++;
        options.onError?.(error, failures);
        if (!stopped) await delay(Math.min(50 * 2 ** Math.min(failures, 8), 10_000));
      }
    }
  };
  const running = loop();

  return {
    name: options.name,
    get position() {
      return position;
    },
    waitFor: (target, timeoutMs = 30_000) => {
      if (position >= target) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = { target, resolve: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`subscription ${options.name} did not reach position ${target} within ${timeoutMs} ms (at ${position})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop: async () => {
      stopped = true;
      await running;
    },
  };
};

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

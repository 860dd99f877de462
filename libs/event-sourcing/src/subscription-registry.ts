import { Subscription } from './event-store';

export type SubscriptionRegistry = {
  /** Wakes every idle subscription of this store instance (after a local append). */
  wake: () => void;
  /** Resolves at the next wake-up or after `timeoutMs`: what a polling subscription waits on. */
  waitForChange: (timeoutMs: number) => Promise<void>;
  /** Keeps the subscription until it is stopped, so `stopAll` can stop whatever still runs. */
  track: (subscription: Subscription) => Subscription;
  stopAll: () => Promise<void>;
};

/** The running subscriptions of one store instance, shared by the adapters. */
export const createSubscriptionRegistry = (): SubscriptionRegistry => {
  const wakeups = new Set<() => void>();
  const running = new Set<Subscription>();
  return {
    wake: () => {
      for (const wake of wakeups) wake();
    },
    waitForChange: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakeups.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        wakeups.add(done);
      }),
    track: (subscription) => {
      running.add(subscription);
      const stop = subscription.stop;
      return Object.assign(subscription, {
        stop: async () => {
          running.delete(subscription);
          await stop();
        },
      });
    },
    stopAll: async () => {
      await Promise.all([...running].map((subscription) => subscription.stop()));
    },
  };
};

import { EventEnvelope } from '@crm/contracts';

/** Turns one stored version of an event type into the next version. */
export type Upcaster = {
  type: string;
  fromVersion: number;
  upcast: (data: unknown, envelope: EventEnvelope) => unknown;
};

export type UpcastFn = (event: EventEnvelope) => EventEnvelope;

/**
 * Builds the read-side upcasting function from frozen old-version contracts: each stored event is
 * lifted version by version until no upcaster applies. Stored events are never rewritten.
 */
export const createUpcaster = (upcasters: readonly Upcaster[]): UpcastFn => {
  const byKey = new Map<string, Upcaster>();
  for (const upcaster of upcasters) {
    const key = `${upcaster.type}@${upcaster.fromVersion}`;
    if (byKey.has(key)) throw new Error(`two upcasters for ${key}`);
    byKey.set(key, upcaster);
  }
  if (byKey.size === 0) return (event) => event;
  return (event) => {
    let current = event;
    for (let step = byKey.get(`${current.type}@${current.schemaVersion}`); step; step = byKey.get(`${current.type}@${current.schemaVersion}`)) {
      current = { ...current, schemaVersion: current.schemaVersion + 1, data: step.upcast(current.data, current) };
    }
    return current;
  };
};

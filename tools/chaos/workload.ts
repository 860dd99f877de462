import { randomUUID } from 'node:crypto';
import { Response, ServiceName } from './stack';

// The command mix of the distributed chaos e2e (apps/crm/src/distributed-chaos.e2e-spec.ts), sent
// at a steady rate for a fixed time instead of up to a fixed count.

export type Send = (service: ServiceName, method: string, path: string, body?: unknown) => Promise<Response | undefined>;

export type Accepted = { service: ServiceName; position: number };

export type LoadCounts = {
  /** Commands put on the wire. */
  sent: number;
  /** Answered with 2xx and an event position: their events must be in the store. */
  accepted: number;
  /** Answered otherwise (404 for a deal whose LeadConverted has not arrived, 409, 5xx...). */
  rejected: number;
  /** No answer: the service was down or died while handling it; not accepted. */
  unreachable: number;
};

const stages = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'];
const pick = <T>(values: readonly T[]): T | undefined => values[Math.floor(Math.random() * values.length)];
const take = (list: string[]): string | undefined => list.splice(Math.floor(Math.random() * list.length), 1)[0];
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A client that records every outcome: `call` does the request and throws when there is no answer. */
export const createRecordingClient = (call: (service: ServiceName, method: string, path: string, body?: unknown) => Promise<Response>) => {
  const counts: LoadCounts = { sent: 0, accepted: 0, rejected: 0, unreachable: 0 };
  const accepted: Accepted[] = [];
  const outcomes = new Map<string, number>();
  const send: Send = async (service, method, path, body) => {
    counts.sent++;
    let response: Response;
    try {
      response = await call(service, method, path, body);
    } catch {
      counts.unreachable++;
      return undefined;
    }
    const kind = `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')} ${response.status}`;
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    const position = Number(response.headers.get('x-event-position'));
    if (response.status < 300 && Number.isInteger(position) && position > 0) {
      counts.accepted++;
      accepted.push({ service, position });
    } else {
      counts.rejected++;
    }
    return response;
  };
  return { send, counts, accepted, outcomes };
};

/** One command per call, chosen so leads move through the funnel and deals get worked on. */
export const createCrmWorkload = (send: Send): (() => Promise<void>) => {
  const leads = { new: [] as string[], working: [] as string[], qualified: [] as string[], all: [] as string[] };
  const deals: string[] = [];

  const createLead = async () => {
    const response = await send('leads-service', 'POST', '/leads', {
      name: 'Chaos Lead',
      email: `${randomUUID()}@example.com`,
      source: pick(['web', 'event', 'partner']),
      region: pick(['EMEA', 'NA']),
      company: 'Chaos Ltd',
    });
    if (response?.status === 201) {
      leads.new.push(response.body.id as string);
      leads.all.push(response.body.id as string);
    }
  };

  // Each branch returns false when it has nothing to work on, and a lead is created instead, so
  // every call sends exactly one command and the rate stays what was asked for.
  const branches: Array<[upTo: number, run: () => Promise<boolean>]> = [
    [0.42, async () => {
      const id = take(leads.new);
      if (!id) return false;
      if ((await send('leads-service', 'POST', `/leads/${id}/assign`, { ownerId: `rep-${Math.floor(Math.random() * 4)}` }))?.status === 200) leads.working.push(id);
      return true;
    }],
    [0.52, async () => {
      const id = take(leads.working);
      if (!id) return false;
      if ((await send('leads-service', 'POST', `/leads/${id}/qualify`))?.status === 200) leads.qualified.push(id);
      return true;
    }],
    [0.62, async () => {
      const id = take(leads.qualified);
      if (!id) return false;
      const body = { amount: `${1000 + Math.floor(Math.random() * 90_000)}.00`, currency: 'EUR', productType: 'platform', expectedCloseDate: '2030-06-30' };
      const response = await send('leads-service', 'POST', `/leads/${id}/convert`, body);
      if (response?.status === 201) deals.push(response.body.opportunityId as string);
      return true;
    }],
    [0.78, async () => {
      const id = pick(deals);
      if (!id) return false;
      // A deal whose LeadConverted has not arrived yet answers 404: not accepted, and that is fine.
      await send('opportunities-service', 'POST', `/opportunities/${id}/stage`, { stage: pick(stages) });
      return true;
    }],
    [0.83, async () => {
      const id = take(deals);
      if (!id) return false;
      const won = Math.random() < 0.5;
      await send('opportunities-service', 'POST', `/opportunities/${id}/${won ? 'win' : 'lose'}`, won ? {} : { reason: 'price' });
      return true;
    }],
    [0.92, async () => {
      const id = pick(leads.all);
      if (!id) return false;
      await send('tasks-service', 'POST', '/activities', { type: 'call', related: { type: 'lead', id }, summary: 'Called during the storm', occurredAt: new Date(Date.now() - 60_000).toISOString() });
      return true;
    }],
    [0.98, async () => {
      const id = pick(leads.all);
      if (!id) return false;
      await send('tasks-service', 'POST', '/tasks', { title: 'Follow up', type: 'call', related: { type: 'lead', id }, dueAt: '2030-01-01T09:00:00Z', priority: 'normal' });
      return true;
    }],
    [1, async () => {
      const body = { source: pick(['web', 'event', 'partner']), period: pick(['2026-01', '2026-02', '2026-Q2']), amount: `${Math.floor(Math.random() * 5000)}.00` };
      await send('analytics-service', 'PUT', '/analytics/costs', body);
      return true;
    }],
  ];

  return async () => {
    const roll = Math.random();
    if (roll < 0.28 || leads.all.length < 10) return createLead();
    const [, run] = branches.find(([upTo]) => roll < upTo) ?? branches[branches.length - 1];
    if (!(await run())) await createLead();
  };
};

/**
 * Runs `step` `rate` times a second for `seconds`, from `workers` concurrent loops sharing one
 * schedule: a slow answer delays that worker only, and a late worker catches up on missed slots.
 */
export const runSteadyLoad = async (options: { rate: number; seconds: number; workers: number; step: () => Promise<void> }): Promise<void> => {
  const started = Date.now();
  const end = started + options.seconds * 1000;
  let slots = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      for (;;) {
        const slot = started + (slots++ * 1000) / options.rate;
        if (slot >= end) return;
        await sleep(slot - Date.now());
        await options.step();
      }
    }),
  );
};

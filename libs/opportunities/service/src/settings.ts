import { LearnedProbability, Opportunity } from '@crm/opportunities-domain';

/** The service's sense of time: injectable so that stale-deal checks can be tested. */
export type Clock = () => Date;

export type OpportunitiesSettings = {
  /** PostgreSQL schema of the read-model tables. */
  schema: string;
  clock: Clock;
  /** How often the stale-deal scheduler looks for deals idle past their stage's limit. */
  staleCheckEveryMs: number;
};

export const OPPORTUNITIES_SETTINGS = Symbol('OPPORTUNITIES_SETTINGS');

export const defaultOpportunitiesSettings: OpportunitiesSettings = { schema: 'opportunities', clock: () => new Date(), staleCheckEveryMs: 60_000 };

/**
 * Where learned win probabilities come from: the seam for analytics. Analytics does not publish
 * any yet, so the default answers none and every open deal shows its stage default
 * (`probabilitySource: 'stage-default'`). Once analytics publishes its estimates as events, a
 * projection here fills a table and an implementation of this port reads it.
 */
export type WinProbabilities = {
  learned: (tenantId: string, deals: readonly Opportunity[]) => Promise<ReadonlyMap<string, LearnedProbability>>;
};

export const WIN_PROBABILITIES = Symbol('WIN_PROBABILITIES');

export const stageDefaultsOnly: WinProbabilities = { learned: async () => new Map() };

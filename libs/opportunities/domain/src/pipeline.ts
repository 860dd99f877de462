import { createHash } from 'node:crypto';
import { defaultPipelineStages, ForecastCategory, PipelineStage, PipelineStagesDefined, streamId } from '@crm/contracts';
import { CommandRejected, Decider } from '@crm/event-sourcing';

export { defaultPipelineStages };

/** Idle-day limit of a stage defined without one. */
export const defaultIdleDays = 30;

export type PipelineOutcome = { name: 'Won' | 'Lost'; probability: number; forecastCategory: ForecastCategory };

/** The two outcomes every pipeline ends in; they are reached by win/lose, never by a stage change. */
export const pipelineOutcomes: readonly PipelineOutcome[] = [
  { name: 'Won', probability: 100, forecastCategory: 'Closed' },
  { name: 'Lost', probability: 0, forecastCategory: 'Omitted' },
];

/** Forecast categories an open stage may default to: Closed belongs to won deals only. */
export const openForecastCategories: readonly ForecastCategory[] = ['Pipeline', 'Best Case', 'Commit', 'Omitted'];

export const maxPipelineStages = 20;

/** A deterministic UUID (v5 layout over SHA-1) naming a tenant's pipeline stream. */
const tenantUuid = (tenantId: string): string => {
  const hash = createHash('sha1').update(`crm-pipeline:${tenantId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** One pipeline per tenant, so its stream id derives from the tenant id. */
export const pipelineStreamId = (tenantId: string): string => streamId('pipeline', tenantUuid(tenantId));

export type PipelineState = {
  /** False while the tenant still works with the defaults. */
  defined: boolean;
  stages: readonly PipelineStage[];
};

export type DefinePipelineStages = {
  type: 'DefinePipelineStages';
  stages: PipelineStage[];
  /** Open deals per `stageKey`, from the read model: a stage that holds any cannot be removed. */
  openDealsByStage: Readonly<Record<string, number>>;
};

export type PipelineCommand = DefinePipelineStages;
export type PipelineEvent = PipelineStagesDefined;

const invalid = (message: string, details: Record<string, unknown> = {}): never => {
  throw new CommandRejected('invalid', 'invalid-pipeline', message, details);
};

const checkStages = (stages: readonly PipelineStage[]): void => {
  if (stages.length === 0) invalid('a pipeline needs at least one open stage');
  if (stages.length > maxPipelineStages) invalid(`a pipeline has at most ${maxPipelineStages} stages`);
  const seen = new Set<string>();
  stages.forEach((stage, index) => {
    const key = stageKey(stage.name);
    if (!key || stage.name !== stage.name.trim()) invalid('a stage name must be non-blank without surrounding spaces', { index });
    if (pipelineOutcomes.some((outcome) => outcome.name.toLowerCase() === key)) invalid(`${stage.name} is an outcome, not an open stage`, { index });
    if (seen.has(key)) invalid(`stage ${stage.name} is defined twice`, { index });
    seen.add(key);
    if (!Number.isInteger(stage.probability) || stage.probability < 0 || stage.probability > 100) invalid('a probability is a whole percentage 0-100', { index });
    if (!openForecastCategories.includes(stage.forecastCategory)) invalid(`an open stage cannot default to ${stage.forecastCategory}`, { index });
    if (!Number.isInteger(stage.idleDays) || stage.idleDays < 1 || stage.idleDays > 365) invalid('idleDays is a whole number of days 1-365', { index });
  });
};

const sameStages = (a: readonly PipelineStage[], b: readonly PipelineStage[]) =>
  a.length === b.length &&
  a.every((stage, i) => stage.name === b[i].name && stage.probability === b[i].probability && stage.forecastCategory === b[i].forecastCategory && stage.idleDays === b[i].idleDays);

export const decidePipeline = (command: PipelineCommand, state: PipelineState): PipelineEvent[] => {
  switch (command.type) {
    case 'DefinePipelineStages': {
      checkStages(command.stages);
      if (sameStages(command.stages, state.stages)) return [];
      // Stage names match case-insensitively everywhere, so a change of case is not a removal.
      const kept = new Set(command.stages.map((stage) => stageKey(stage.name)));
      const blocked = state.stages
        .filter((stage) => !kept.has(stageKey(stage.name)) && (command.openDealsByStage[stageKey(stage.name)] ?? 0) > 0)
        .map((stage) => ({ name: stage.name, openDeals: command.openDealsByStage[stageKey(stage.name)] }));
      if (blocked.length > 0) {
        throw new CommandRejected('conflict', 'stage-has-open-deals', `cannot remove ${blocked.map((stage) => stage.name).join(', ')}: open deals are in it`, { stages: blocked });
      }
      return [{ type: 'PipelineStagesDefined', data: { stages: command.stages.map((stage) => ({ ...stage })) } }];
    }
    default: {
      const unreachable: never = command.type;
      return unreachable;
    }
  }
};

export const evolvePipeline = (state: PipelineState, event: PipelineEvent): PipelineState => {
  switch (event.type) {
    case 'PipelineStagesDefined':
      return { defined: true, stages: event.data.stages };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
};

export const pipelineDecider: Decider<PipelineCommand, PipelineEvent, PipelineState> = {
  decide: decidePipeline,
  evolve: evolvePipeline,
  initialState: () => ({ defined: false, stages: defaultPipelineStages }),
};

/** How stage names compare: case-insensitively. */
export const stageKey = (name: string): string => name.trim().toLowerCase();

/** A stage of the pipeline by name, with its place in the order. */
export const findStage = (stages: readonly PipelineStage[], name: string): { stage: PipelineStage; index: number } | undefined => {
  const index = stages.findIndex((stage) => stageKey(stage.name) === stageKey(name));
  return index < 0 ? undefined : { stage: stages[index], index };
};

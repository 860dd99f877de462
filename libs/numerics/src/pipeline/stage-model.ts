import { Matrix, matVec } from '../linear-algebra';
import { absorbingChain } from './absorbing-chain';

export type StageOutcome = 'Won' | 'Lost';

export type StageTransition = {
  opportunityId: string;
  /** An open stage, or Won/Lost for a reopened deal (ignored: outcomes are absorbing). */
  from: string;
  /** An open stage, 'Won' or 'Lost'. */
  to: string;
  /** Days spent in `from` on this visit before leaving it. */
  days: number;
};

export type StageDefinition = {
  name: string;
  /** The pipeline's configured win probability for the stage, in percent (0–100). */
  defaultProbability: number;
};

export type LearnStageModelOptions = {
  /** Outgoing transitions a stage needs before its own estimate replaces the default. */
  minSamples?: number;
};

export type StageEstimate = {
  stage: string;
  /** Outgoing transitions observed from the stage (self-loops excluded). */
  samples: number;
  /** P(eventually Won | currently in this stage), 0–1. */
  winProbability: number;
  source: 'learned' | 'stage-default';
  /**
   * Expected days from entering the stage until Won or Lost (see README). Null for a stage-default
   * stage, whose onward path is not learned.
   */
  expectedRemainingDays: number | null;
  /** Mean `days` over the stage's outgoing transitions; null when none was observed. */
  meanDaysInStage: number | null;
  /**
   * Observed P(→ next) ÷ (P(→ next) + P(→ Lost)), "next" being the following stage in the given
   * order (Won for the last one). Null when neither move was observed. Not replaced by the default:
   * `samples` says how far to trust it.
   */
  conditionalAdvance: number | null;
  /** Outgoing counts by destination (a stage name, 'Won' or 'Lost'). */
  transitions: Record<string, number>;
};

export type StageModel = {
  stages: StageEstimate[];
  /** The chain actually solved, rows and columns in `stages` order; R's columns are [Won, Lost]. */
  Q: Matrix;
  R: Matrix;
  /** Transitions out of Won or Lost (reopened deals), which an absorbing chain cannot use. */
  ignoredTransitions: number;
};

const outcomes: readonly StageOutcome[] = ['Won', 'Lost'];
const isOutcome = (name: string): name is StageOutcome => (outcomes as readonly string[]).includes(name);

/**
 * Learns the stage-to-stage chain from stage-change history and solves it with Won and Lost
 * absorbing. A stage's row of Q and R is its outgoing transitions divided by their count; a stage
 * with fewer than `minSamples` of them gets the row "close now, Won with its default probability",
 * so it reports exactly its default and stages that lead into it use that default as their
 * continuation value instead of a handful of observations.
 */
export const learnStageModel = (
  transitions: readonly StageTransition[],
  stages: readonly StageDefinition[],
  options: LearnStageModelOptions = {},
): StageModel => {
  const minSamples = options.minSamples ?? 20;
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new RangeError('learnStageModel: minSamples must be a positive integer');
  const index = new Map<string, number>();
  stages.forEach((stage, i) => {
    if (stage.name === '' || isOutcome(stage.name)) throw new RangeError(`learnStageModel: "${stage.name}" cannot be an open stage`);
    if (index.has(stage.name)) throw new RangeError(`learnStageModel: stage "${stage.name}" is listed twice`);
    if (!(stage.defaultProbability >= 0 && stage.defaultProbability <= 100)) {
      throw new RangeError(`learnStageModel: default probability of "${stage.name}" must be within [0, 100]`);
    }
    index.set(stage.name, i);
  });

  const n = stages.length;
  const counts = stages.map(() => new Map<string, number>());
  const totalDays = new Array<number>(n).fill(0);
  let ignoredTransitions = 0;
  for (const transition of transitions) {
    const from = index.get(transition.from);
    if (from === undefined) {
      if (isOutcome(transition.from)) {
        ignoredTransitions++;
        continue;
      }
      throw new RangeError(`learnStageModel: unknown stage "${transition.from}"`);
    }
    if (!index.has(transition.to) && !isOutcome(transition.to)) throw new RangeError(`learnStageModel: unknown stage "${transition.to}"`);
    if (!(Number.isFinite(transition.days) && transition.days >= 0)) throw new RangeError('learnStageModel: days must be a non-negative number');
    // Re-entering the same stage is not a move; the visit continues and its exit carries the days.
    if (transition.to === transition.from) continue;
    counts[from].set(transition.to, (counts[from].get(transition.to) ?? 0) + 1);
    totalDays[from] += transition.days;
  }

  const samples = counts.map((row) => [...row.values()].reduce((sum, count) => sum + count, 0));
  const learned = samples.map((count) => count >= minSamples);
  const Q: Matrix = stages.map(() => new Array<number>(n).fill(0));
  const R: Matrix = stages.map(() => [0, 0]);
  stages.forEach((stage, i) => {
    if (!learned[i]) {
      R[i][0] = stage.defaultProbability / 100;
      R[i][1] = (100 - stage.defaultProbability) / 100;
      return;
    }
    for (const [to, count] of counts[i]) {
      const p = count / samples[i];
      if (isOutcome(to)) R[i][outcomes.indexOf(to)] = p;
      else Q[i][index.get(to) as number] = p;
    }
  });

  const chain = absorbingChain(Q, R);
  // A stage never seen leaving contributes no time: its dwell is unknown, not zero, but nothing better exists.
  const meanDays = samples.map((count, i) => (count > 0 ? totalDays[i] / count : null));
  const remainingDays = matVec(chain.N, meanDays.map((days) => days ?? 0));

  return {
    Q,
    R,
    ignoredTransitions,
    stages: stages.map((stage, i) => {
      const next = i + 1 < n ? stages[i + 1].name : 'Won';
      const advanced = counts[i].get(next) ?? 0;
      const lost = counts[i].get('Lost') ?? 0;
      return {
        stage: stage.name,
        samples: samples[i],
        // Equal to the chain's value for a default row; stated directly so no rounding creeps in.
        winProbability: learned[i] ? chain.winProbability[i] : stage.defaultProbability / 100,
        source: learned[i] ? 'learned' : 'stage-default',
        expectedRemainingDays: learned[i] ? remainingDays[i] : null,
        meanDaysInStage: meanDays[i],
        conditionalAdvance: advanced + lost > 0 ? advanced / (advanced + lost) : null,
        transitions: Object.fromEntries(counts[i]),
      };
    }),
  };
};

import { learnStageModel, StageTransition } from './stage-model';

const repeat = (count: number, from: string, to: string, days: number): StageTransition[] =>
  Array.from({ length: count }, (_, i) => ({ opportunityId: `${from}-${to}-${i}`, from, to, days }));

const stages = [
  { name: 'Qualification', defaultProbability: 20 },
  { name: 'Proposal', defaultProbability: 50 },
  { name: 'Negotiation', defaultProbability: 80 },
];

/*
 * Qualification: 6 → Proposal (10 days), 4 → Lost (5 days)                          10 samples
 * Proposal:      5 → Negotiation (8 days), 2 → Qualification (back, 4), 3 → Lost (6) 10 samples
 *                plus a self-loop, which is not a move and is ignored
 * Negotiation:   3 → Won (2 days): below minSamples 10, so its row becomes Won 0.8 / Lost 0.2
 * plus a reopened deal (Won → Negotiation), which an absorbing chain cannot use.
 *
 * Win:  w_N = 0.8, w_P = 0.2·w_Q + 0.5·w_N, w_Q = 0.6·w_P  →  w_P = 0.4 / 0.88 = 5/11, w_Q = 3/11.
 * Mean days per visit: Q = (60 + 20)/10 = 8, P = (40 + 8 + 18)/10 = 6.6, N = 2.
 * Days: T_N = 2, T_P = 6.6 + 0.2·T_Q + 0.5·T_N, T_Q = 8 + 0.6·T_P  →  T_P = 9.2 / 0.88 = 115/11, T_Q = 157/11.
 */
const history: StageTransition[] = [
  ...repeat(6, 'Qualification', 'Proposal', 10),
  ...repeat(4, 'Qualification', 'Lost', 5),
  ...repeat(5, 'Proposal', 'Negotiation', 8),
  ...repeat(2, 'Proposal', 'Qualification', 4),
  ...repeat(3, 'Proposal', 'Lost', 6),
  ...repeat(1, 'Proposal', 'Proposal', 99),
  ...repeat(3, 'Negotiation', 'Won', 2),
  ...repeat(1, 'Won', 'Negotiation', 1),
];

describe('learnStageModel', () => {
  const model = learnStageModel(history, stages, { minSamples: 10 });
  const [qualification, proposal, negotiation] = model.stages;

  it('estimates Q and R from outgoing counts, the sparse stage closing at its default', () => {
    expect(model.Q).toEqual([
      [0, 0.6, 0],
      [0.2, 0, 0.5],
      [0, 0, 0],
    ]);
    expect(model.R).toEqual([
      [0, 0.4],
      [0, 0.3],
      [0.8, 0.2],
    ]);
    expect(model.ignoredTransitions).toBe(1);
    expect(model.stages.map((stage) => [stage.samples, stage.source])).toEqual([
      [10, 'learned'],
      [10, 'learned'],
      [3, 'stage-default'],
    ]);
    expect(proposal.transitions).toEqual({ Negotiation: 5, Qualification: 2, Lost: 3 });
  });

  it('solves the chain for win probabilities and expected remaining days', () => {
    expect(qualification.winProbability).toBeCloseTo(3 / 11, 12);
    expect(proposal.winProbability).toBeCloseTo(5 / 11, 12);
    expect(negotiation.winProbability).toBe(0.8);
    expect(qualification.meanDaysInStage).toBeCloseTo(8, 12);
    expect(proposal.meanDaysInStage).toBeCloseTo(6.6, 12);
    expect(negotiation.meanDaysInStage).toBe(2);
    expect(qualification.expectedRemainingDays).toBeCloseTo(157 / 11, 12);
    expect(proposal.expectedRemainingDays).toBeCloseTo(115 / 11, 12);
    expect(negotiation.expectedRemainingDays).toBeNull();
  });

  it('gives the conditional advance rate P(→ next) / (P(→ next) + P(→ Lost))', () => {
    expect(qualification.conditionalAdvance).toBeCloseTo(6 / 10, 12);
    expect(proposal.conditionalAdvance).toBeCloseTo(5 / 8, 12);
    // The last stage's next is Won; observed, though the stage is too sparse for its win probability.
    expect(negotiation.conditionalAdvance).toBe(1);
  });

  it('falls back everywhere under the default minimum of 20 samples, still reporting samples', () => {
    const sparse = learnStageModel(history, stages);
    expect(sparse.stages.map((stage) => [stage.source, stage.winProbability, stage.samples])).toEqual([
      ['stage-default', 0.2, 10],
      ['stage-default', 0.5, 10],
      ['stage-default', 0.8, 3],
    ]);
  });

  it('reports a stage nobody left, and rejects unknown stages and bad input', () => {
    const withDiscovery = learnStageModel(history, [{ name: 'Discovery', defaultProbability: 10 }, ...stages], { minSamples: 10 });
    expect(withDiscovery.stages[0]).toMatchObject({ samples: 0, winProbability: 0.1, meanDaysInStage: null, conditionalAdvance: null, transitions: {} });
    expect(() => learnStageModel([...history, ...repeat(1, 'Proposal', 'Demo', 1)], stages)).toThrow(/unknown stage "Demo"/);
    expect(() => learnStageModel(repeat(1, 'Proposal', 'Lost', -1), stages)).toThrow(/days/);
    expect(() => learnStageModel([], [{ name: 'Won', defaultProbability: 100 }])).toThrow(/open stage/);
    expect(() => learnStageModel([], [{ name: 'A', defaultProbability: 120 }])).toThrow(/\[0, 100\]/);
    expect(() => learnStageModel([], stages, { minSamples: 0 })).toThrow(/minSamples/);
  });
});

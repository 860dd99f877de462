import { PipelineStage } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { defaultPipelineStages, findStage, pipelineDecider, pipelineStreamId } from './pipeline';

const spec = deciderSpec(pipelineDecider);
const custom: PipelineStage[] = [
  { name: 'Discovery', probability: 15, forecastCategory: 'Pipeline', idleDays: 10 },
  { name: 'Proposal', probability: 50, forecastCategory: 'Best Case', idleDays: 21 },
  { name: 'Negotiation', probability: 85, forecastCategory: 'Commit', idleDays: 14 },
];
const defined = [{ type: 'PipelineStagesDefined' as const, data: { stages: custom } }];
const stage = (overrides: Partial<PipelineStage>): PipelineStage => ({ name: 'X', probability: 10, forecastCategory: 'Pipeline', idleDays: 7, ...overrides });

describe('pipeline decider', () => {
  it('starts with the default stages and their probabilities and categories', () => {
    expect(pipelineDecider.initialState()).toEqual({ defined: false, stages: defaultPipelineStages });
    expect(defaultPipelineStages.map((s) => [s.name, s.probability, s.forecastCategory])).toEqual([
      ['Prospecting', 10, 'Pipeline'],
      ['Qualification', 20, 'Pipeline'],
      ['Proposal', 50, 'Best Case'],
      ['Negotiation', 80, 'Commit'],
    ]);
  });

  it('defines new stages as one event', () => {
    spec.given([]).when({ type: 'DefinePipelineStages', stages: custom, openDealsByStage: {} }).then(defined);
  });

  it('appends nothing when the stages do not change', () => {
    spec.given(defined).when({ type: 'DefinePipelineStages', stages: custom, openDealsByStage: {} }).thenNothing();
    spec.given([]).when({ type: 'DefinePipelineStages', stages: [...defaultPipelineStages], openDealsByStage: { prospecting: 4 } }).thenNothing();
  });

  it('removes an empty stage and re-orders, reprices or renames by case the others', () => {
    const next = [{ ...custom[2], probability: 90 }, { ...custom[1], name: 'PROPOSAL' }];
    spec
      .given(defined)
      .when({ type: 'DefinePipelineStages', stages: next, openDealsByStage: { proposal: 3, negotiation: 1 } })
      .then([{ type: 'PipelineStagesDefined', data: { stages: next } }]);
  });

  it('refuses to remove a stage that still holds open deals, naming it and the count', () => {
    spec
      .given(defined)
      .when({ type: 'DefinePipelineStages', stages: [custom[0], custom[2]], openDealsByStage: { proposal: 2, discovery: 5 } })
      .thenThrows(CommandRejected, (error) => {
        expect(error.kind).toBe('conflict');
        expect(error.code).toBe('stage-has-open-deals');
        expect(error.details).toEqual({ stages: [{ name: 'Proposal', openDeals: 2 }] });
      });
  });

  it.each([
    ['no stages', []],
    ['a duplicate name', [stage({ name: 'A' }), stage({ name: 'a' })]],
    ['an outcome as a stage', [stage({ name: 'Won' })]],
    ['a blank name', [stage({ name: '  ' })]],
    ['a padded name', [stage({ name: ' A' })]],
    ['a probability over 100', [stage({ probability: 101 })]],
    ['a fractional probability', [stage({ probability: 12.5 })]],
    ['Closed as an open stage default', [stage({ forecastCategory: 'Closed' })]],
    ['zero idle days', [stage({ idleDays: 0 })]],
    ['21 stages', Array.from({ length: 21 }, (_, i) => stage({ name: `S${i}` }))],
  ])('refuses %s as invalid', (_why, stages) => {
    spec.given([]).when({ type: 'DefinePipelineStages', stages, openDealsByStage: {} }).thenThrows(CommandRejected, (error) => expect(error.kind).toBe('invalid'));
  });

  it('names one stream per tenant, deterministically', () => {
    expect(pipelineStreamId('acme')).toBe(pipelineStreamId('acme'));
    expect(pipelineStreamId('acme')).not.toBe(pipelineStreamId('globex'));
    expect(pipelineStreamId('acme')).toMatch(/^pipeline-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('finds stages case-insensitively with their place in the order', () => {
    expect(findStage(custom, 'proposal')).toEqual({ stage: custom[1], index: 1 });
    expect(findStage(custom, 'Won')).toBeUndefined();
  });
});

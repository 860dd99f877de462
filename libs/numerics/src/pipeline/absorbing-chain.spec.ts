import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { absorbingChain } from './absorbing-chain';

type Reference = {
  transientStages: string[];
  absorbing: string[];
  Q: number[][];
  R: number[][];
  winProbability: Record<string, number>;
  expectedStepsToAbsorption: Record<string, number>;
};

// libs/numerics/src/pipeline → workspace root; the shared oracles live beside the workspace.
const workspaceRoot = join(__dirname, '..', '..', '..', '..');
const reference: Reference = JSON.parse(readFileSync(join(workspaceRoot, '..', 'shared', 'reference', 'stage-markov-chain.json'), 'utf8'));

describe('absorbingChain against numpy', () => {
  // absorbingChain reads Won from column 0; put the reference's columns in that order whatever it uses.
  const columns = ['Won', 'Lost'].map((name) => reference.absorbing.indexOf(name));
  const R = reference.R.map((row) => columns.map((column) => row[column]));
  const chain = absorbingChain(reference.Q, R);

  it('has the reference data it expects', () => {
    expect(columns).not.toContain(-1);
    expect(reference.transientStages).toHaveLength(4);
  });

  it.each(reference.transientStages.map((stage, i) => [stage, i] as const))('matches %s to 1e-9', (stage, i) => {
    expect(Math.abs(chain.winProbability[i] - reference.winProbability[stage])).toBeLessThan(1e-9);
    expect(Math.abs(chain.expectedSteps[i] - reference.expectedStepsToAbsorption[stage])).toBeLessThan(1e-9);
  });

  it('returns N = (I−Q)⁻¹ and absorption probabilities that sum to 1', () => {
    const n = reference.Q.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // (I−Q)·N = I
        const product = chain.N[j].reduce((sum, _, k) => sum + ((i === k ? 1 : 0) - reference.Q[i][k]) * chain.N[k][j], 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
      expect(chain.B[i][0] + chain.B[i][1]).toBeCloseTo(1, 12);
    }
  });
});

describe('absorbingChain', () => {
  it('solves a two-stage chain known by hand', () => {
    // A → B with 1/2, A → Won 1/2; B → A with 1/4, B → Lost 3/4.
    // w_A = 1/2 + w_B/2, w_B = w_A/4 → w_A = 4/7; steps: s_A = 1 + s_B/2, s_B = 1 + s_A/4 → s_A = 12/7, s_B = 10/7.
    const chain = absorbingChain(
      [
        [0, 0.5],
        [0.25, 0],
      ],
      [
        [0.5, 0],
        [0, 0.75],
      ],
    );
    expect(chain.winProbability[0]).toBeCloseTo(4 / 7, 14);
    expect(chain.winProbability[1]).toBeCloseTo(1 / 7, 14);
    expect(chain.expectedSteps[0]).toBeCloseTo(12 / 7, 14);
    expect(chain.expectedSteps[1]).toBeCloseTo(10 / 7, 14);
  });

  it('rejects a loop that is never absorbed and rows that are not distributions', () => {
    expect(() =>
      absorbingChain(
        [
          [0, 1],
          [1, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    ).toThrow(/singular/);
    expect(() => absorbingChain([[0.5]], [[0.2, 0.2]])).toThrow(/sums to/);
    expect(() => absorbingChain([[0.5, 0]], [[0.5, 0]])).toThrow(/square/);
    expect(absorbingChain([], [])).toEqual({ N: [], B: [], winProbability: [], expectedSteps: [] });
  });
});

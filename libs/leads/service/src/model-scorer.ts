import { LeadScorer, leadFeatures } from '@crm/leads-domain';
import { encode, Encoder, predictProbability } from '@crm/numerics';
import type { ActiveModel } from './scoring.service';

/** Scores with a trained model: the conversion probability as 0-100, with each feature's share of the log-odds. */
export const modelScorer =
  (model: ActiveModel): LeadScorer =>
  ({ profile, source, engagements }) => {
    const x = encode(model.encoder as Encoder, leadFeatures(profile, source, engagements));
    const probability = predictProbability(model, x);
    const contributions: Record<string, number> = { intercept: round4(model.intercept) };
    model.featureNames.forEach((name, index) => {
      const part = model.coef[index] * x[index];
      if (Math.abs(part) > 1e-9) contributions[name] = round4(part);
    });
    return { score: Math.round(probability * 100), probability: round4(probability), modelVersion: model.modelVersion, contributions };
  };

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

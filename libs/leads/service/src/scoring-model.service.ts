import { EventMetadata, ScoringModelTrained } from '@crm/contracts';
import { CommandRejected, EventStore } from '@crm/event-sourcing';
import { leadFeatures, OpenLead } from '@crm/leads-domain';
import { accuracy, encode, featureNames, fitEncoder, fitLogisticRegression, logLoss, predictProbability, rocAuc, trainTestSplit } from '@crm/numerics';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ActiveModel, scoringStreamId, ScoringService } from './scoring.service';

const minimumRows = 20;
const l2Penalty = 1;

export type TrainingReport = ScoringModelTrained['data'] & { durationMs: number; weights: Array<{ feature: string; weight: number }> };

/** Fits lead-conversion models on the tenant's decided leads and records them as versioned events. */
export class ScoringModelService {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly scoring: ScoringService,
  ) {}

  async train(tenantId: string, holdoutFraction: number, metadata: EventMetadata, now: string): Promise<TrainingReport> {
    const started = Date.now();
    const { rows } = await this.pool.query<{ state: OpenLead }>("SELECT state FROM leads.lead_view WHERE tenant_id = $1 AND status IN ('converted', 'disqualified') AND merged_into IS NULL ORDER BY lead_id", [tenantId]);
    const samples = rows.map(({ state }) => ({ features: leadFeatures(state.profile, state.source, state.engagements), outcome: state.status === 'converted' ? (1 as const) : (0 as const) }));
    const positives = samples.filter((sample) => sample.outcome === 1).length;
    if (samples.length < minimumRows || positives === 0 || positives === samples.length) {
      throw new CommandRejected('invalid', 'not-enough-outcomes', `training needs at least ${minimumRows} converted or disqualified leads, with both outcomes present`, {
        labeledLeads: samples.length,
        converted: positives,
      });
    }
    const { train, test } = trainTestSplit(samples.length, holdoutFraction, 42);
    const encoder = fitEncoder(train.map((i) => samples[i].features), { minCategoryCount: 5 });
    const fit = fitLogisticRegression(
      train.map((i) => encode(encoder, samples[i].features)),
      train.map((i) => samples[i].outcome),
      { l2Penalty },
    );
    const model = { coef: fit.coef, intercept: fit.intercept };
    const evaluated = test.length ? test : train;
    const probabilities = evaluated.map((i) => predictProbability(model, encode(encoder, samples[i].features)));
    const labels = evaluated.map((i) => samples[i].outcome);
    const configuration = await this.scoring.configuration(tenantId);
    const data: ScoringModelTrained['data'] = {
      modelVersion: `m${configuration.revision + 2}-${now.slice(0, 10)}`,
      encoder,
      coef: fit.coef,
      intercept: fit.intercept,
      featureNames: featureNames(encoder),
      metrics: { auc: rocAuc(probabilities, labels), accuracy: accuracy(probabilities, labels), logLoss: logLoss(probabilities, labels), trainingRows: train.length, holdoutRows: test.length },
      l2Penalty,
    };
    await this.store.appendToStream(scoringStreamId(tenantId), [{ id: randomUUID(), type: 'ScoringModelTrained', schemaVersion: 1, occurredAt: now, metadata, data }], {
      expectedRevision: configuration.revision === -1 ? 'no_stream' : configuration.revision,
    });
    return { ...data, durationMs: Date.now() - started, weights: weightsOf(data) };
  }
}

const weightsOf = (model: Pick<ScoringModelTrained['data'], 'featureNames' | 'coef'>) =>
  model.featureNames.map((feature, index) => ({ feature, weight: model.coef[index] })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));

export const modelView = (model: ActiveModel | undefined) =>
  model
    ? { modelVersion: model.modelVersion, trainedAt: model.trainedAt, metrics: model.metrics, l2Penalty: model.l2Penalty, intercept: model.intercept, weights: weightsOf(model) }
    : null;



import { createHash, randomUUID } from 'node:crypto';
import { EventMetadata, ScoringModelTrained, ScoringRules, streamId } from '@crm/contracts';
import { EventStore } from '@crm/event-sourcing';
import { defaultScoringRules, LeadScorer, ruleScore } from '@crm/leads-domain';
import { modelScorer } from './model-scorer';

export type ActiveModel = ScoringModelTrained['data'] & { trainedAt: string };

export type ScoringConfiguration = {
  rules: ScoringRules;
  rulesVersion: number;
  model?: ActiveModel;
  revision: number;
};

/** A deterministic UUID (v5 layout over SHA-1) naming a tenant's scoring stream. */
const tenantUuid = (tenantId: string): string => {
  const hash = createHash('sha1').update(`crm-scoring:${tenantId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const scoringStreamId = (tenantId: string): string => streamId('scoring', tenantUuid(tenantId));

/** Scoring rules and the trained model of each tenant live in its `scoring-…` stream. */
export class ScoringService {
  constructor(private readonly store: EventStore) {}

  async configuration(tenantId: string): Promise<ScoringConfiguration> {
    const { events, revision } = await this.store.readStream(scoringStreamId(tenantId));
    let rules = defaultScoringRules;
    let rulesVersion = 0;
    let model: ActiveModel | undefined;
    for (const event of events) {
      if (event.type === 'ScoringRulesDefined') {
        const data = event.data as { version: number; rules: ScoringRules };
        rules = data.rules;
        rulesVersion = data.version;
      } else if (event.type === 'ScoringModelTrained') {
        model = { ...(event.data as ScoringModelTrained['data']), trainedAt: event.occurredAt };
      }
    }
    return { rules, rulesVersion, model, revision };
  }

  async defineRules(tenantId: string, rules: ScoringRules, metadata: EventMetadata, now: string, expectedRevision?: number): Promise<ScoringConfiguration> {
    const current = await this.configuration(tenantId);
    const expected = expectedRevision ?? current.revision;
    await this.store.appendToStream(
      scoringStreamId(tenantId),
      [{ id: randomUUID(), type: 'ScoringRulesDefined', schemaVersion: 1, occurredAt: now, metadata, data: { version: current.rulesVersion + 1, rules } }],
      { expectedRevision: expected === -1 ? 'no_stream' : expected },
    );
    return this.configuration(tenantId);
  }

  /** The scorer for a tenant: the trained model's probability when one is active, else the rules. */
  scorer(configuration: ScoringConfiguration): LeadScorer {
    if (configuration.model) return modelScorer(configuration.model);
    return ({ profile, engagements }, asOf) => ruleScore(profile, engagements, configuration.rules, asOf);
  }
}

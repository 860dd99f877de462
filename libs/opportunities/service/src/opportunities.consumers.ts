import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { EventConsumerContext, EventConsumerOptions } from '@crm/platform';
import { opportunitiesConsumers, OpportunitiesService } from './opportunities.service';
import { activityCategories, projectOpportunityEvents } from './opportunity-view.projection';

const transaction = (context: EventConsumerContext): SqlExecutor => {
  if (!context.tx) throw new Error(`${context.consumer} needs a transactional subscription`);
  return context.tx;
};

/** The opportunities context's consumers of other contexts' events (the bus: the store embedded, Kafka distributed). */
@Controller()
export class OpportunitiesConsumers {
  constructor(private readonly opportunities: OpportunitiesService) {}

  /** The tasks service's activities: a deal's last activity, for the stale-deal check. */
  @EventPattern(opportunitiesConsumers.activities, { categories: activityCategories } satisfies EventConsumerOptions)
  async activities(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    await projectOpportunityEvents(events, transaction(context), this.opportunities.tables);
  }

  /**
   * Converted leads open their deals, from the beginning: conversions made while this service was
   * not running open theirs too. Deal ids derive from the conversion, so the appends are idempotent
   * and need no transaction.
   */
  @EventPattern(opportunitiesConsumers.leadConversions, { categories: ['lead'], transactional: false } satisfies EventConsumerOptions)
  async leadConversions(@Payload() events: EventEnvelope[]): Promise<void> {
    for (const event of events) if (event.type === 'LeadConverted') await this.opportunities.openFromLeadConversion(event);
  }

  /** The team directory, for who may see which deals. */
  @EventPattern(opportunitiesConsumers.teamDirectory, { categories: ['team'] } satisfies EventConsumerOptions)
  async teamDirectory(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    await this.opportunities.applyTeamDirectory(events, transaction(context));
  }
}

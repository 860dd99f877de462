import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '@crm/contracts';
import { EventConsumerContext, EventConsumerOptions } from '@crm/platform';
import { analyticsProjectorConsumer, AnalyticsService, foreignCategories } from './analytics.service';

/** Analytics' consumer of the other contexts' events (the bus: the store embedded, Kafka distributed). */
@Controller()
export class AnalyticsConsumers {
  constructor(private readonly analytics: AnalyticsService) {}

  /** Projects every other context's events into the read models; scaled out as one consumer group. */
  @EventPattern(analyticsProjectorConsumer, { categories: foreignCategories } satisfies EventConsumerOptions)
  async project(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    await this.analytics.apply(events, context.tx);
  }
}

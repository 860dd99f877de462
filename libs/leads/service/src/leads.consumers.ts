import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '@crm/contracts';
import { EventConsumerContext, EventConsumerOptions } from '@crm/platform';
import { teamDirectoryConsumer, upsertTeamMember } from './leads.service';

/** The leads context's consumers of other contexts' events (the bus: the store embedded, Kafka distributed). */
@Controller()
export class LeadsConsumers {
  /** The sales-team directory (the tasks service's `team` events), which lead routing reads. */
  @EventPattern(teamDirectoryConsumer, { categories: ['team'] } satisfies EventConsumerOptions)
  async teamDirectory(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    const tx = context.tx;
    if (!tx) throw new Error('the team directory needs a transactional subscription');
    for (const event of events) if (event.type === 'TeamMemberUpserted') await upsertTeamMember(tx, event);
  }
}

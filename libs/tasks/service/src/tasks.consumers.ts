import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '@crm/contracts';
import { SqlExecutor } from '@crm/event-sourcing';
import { EventConsumerContext, EventConsumerOptions } from '@crm/platform';
import { tasksConsumerCategories, tasksConsumers, TasksService } from './tasks.service';

const transaction = (context: EventConsumerContext): SqlExecutor => {
  if (!context.tx) throw new Error(`${context.consumer} needs a transactional subscription`);
  return context.tx;
};

/** The tasks context's consumers of other contexts' events (the bus: the store embedded, Kafka distributed). */
@Controller()
export class TasksConsumers {
  constructor(private readonly tasks: TasksService) {}

  /** Record owners and the automation rules they trigger. */
  @EventPattern(tasksConsumers.relatedRecords, { categories: tasksConsumerCategories.relatedRecords } satisfies EventConsumerOptions)
  async relatedRecords(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    await this.tasks.applyRelatedRecords(events, transaction(context));
  }

  /** Accounts' leads and deals, for the account views. */
  @EventPattern(tasksConsumers.customerRecords, { categories: tasksConsumerCategories.customerRecords } satisfies EventConsumerOptions)
  async customerRecords(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    await this.tasks.applyCustomerRecords(events, transaction(context));
  }
}

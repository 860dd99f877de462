import { Module } from '@nestjs/common';
import { AccountReadsController } from './http/accounts.controller';
import { ActivitiesController, TimelineController } from './http/activities.controller';
import { AutomationController } from './http/automation.controller';
import { TasksController } from './http/tasks.controller';
import { TeamController } from './http/team.controller';
import { TasksConsumers } from './tasks.consumers';
import { TasksService } from './tasks.service';

/** The tasks context: follow-up tasks, activities (communication history), the sales-team directory and automation rules. */
@Module({
  controllers: [TasksConsumers, TasksController, TeamController, ActivitiesController, TimelineController, AutomationController, AccountReadsController],
  providers: [TasksService],
  exports: [TasksService],
})
export class TasksModule {}

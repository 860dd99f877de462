import { Module } from '@nestjs/common';
import { ActivitiesController, TimelineController } from './http/activities.controller';
import { AutomationController } from './http/automation.controller';
import { TasksController } from './http/tasks.controller';
import { TeamController } from './http/team.controller';
import { TasksService } from './tasks.service';

/** The tasks context: follow-up tasks, activities (communication history), the sales-team directory and automation rules. */
@Module({
  controllers: [TasksController, TeamController, ActivitiesController, TimelineController, AutomationController],
  providers: [TasksService],
  exports: [TasksService],
})
export class TasksModule {}

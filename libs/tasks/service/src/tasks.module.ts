import { Module } from '@nestjs/common';

/** The tasks context: follow-up tasks, activities (communication history), the sales-team directory and automation rules. */
@Module({})
export class TasksModule {}

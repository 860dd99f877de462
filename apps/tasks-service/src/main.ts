import 'reflect-metadata';
import { TasksModule } from '@crm/tasks-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';

// Distributed mode: this context alone, on the PostgreSQL (and Kafka) named by the environment.
void runService({
  name: 'tasks-service',
  title: 'CRM tasks service',
  description: 'Follow-up tasks, activities (communication history), the sales-team directory and automation rules.',
  modules: [TasksModule],
  allowEmbeddedDatabase: false,
  ownedCategories: [...serviceCategories.tasks],
});

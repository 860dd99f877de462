import 'reflect-metadata';
import { AnalyticsModule } from '@crm/analytics-service';
import { LeadsModule } from '@crm/leads-service';
import { OpportunitiesModule } from '@crm/opportunities-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';
import { TasksModule } from '@crm/tasks-service';

// Embedded mode (the default `npm start`): the four contexts in one process, on an embedded
// PostgreSQL in DATA_DIR unless DATABASE_URL names another.
void runService({
  name: 'crm',
  title: 'CRM sales backend',
  description: 'Leads, opportunities, tasks and analytics of the event-sourced CRM backend, in one process.',
  modules: [LeadsModule, OpportunitiesModule, TasksModule, AnalyticsModule],
  allowEmbeddedDatabase: true,
  ownedCategories: Object.values(serviceCategories).flat(),
});

/* eslint-disable no-console */
import 'reflect-metadata';
import { AnalyticsModule } from '@crm/analytics-service';
import { LeadsModule } from '@crm/leads-service';
import { OpportunitiesModule } from '@crm/opportunities-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';
import { TasksModule } from '@crm/tasks-service';
import { parseArguments, seedDemo } from './demo';

// Embedded mode (the default `npm start`): the four contexts in one process, on an embedded
// PostgreSQL in DATA_DIR unless DATABASE_URL names another. `npm start -- --demo` seeds the demo
// history first (once per DATA_DIR).
const start = () =>
  runService({
    name: 'crm',
    title: 'CRM sales backend',
    description: 'Leads, opportunities, tasks and analytics of the event-sourced CRM backend, in one process.',
    modules: [LeadsModule, OpportunitiesModule, TasksModule, AnalyticsModule],
    allowEmbeddedDatabase: true,
    ownedCategories: Object.values(serviceCategories).flat(),
  });

const parsed = parseArguments(process.argv.slice(2));
if ('error' in parsed) {
  console.error(`crm: ${parsed.error}`);
  process.exit(2);
} else if (parsed.demo) {
  seedDemo().then(start, (error: unknown) => {
    console.error(`crm: ${(error as Error).message}`);
    process.exit(1);
  });
} else {
  void start();
}

import 'reflect-metadata';
import { AnalyticsModule } from '@crm/analytics-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';

// Distributed mode: this context alone, on the PostgreSQL (and Kafka) named by the environment.
void runService({
  name: 'analytics-service',
  title: 'CRM analytics service',
  description: 'Projectors into read models; KPI, funnel, target, forecast and audit queries.',
  modules: [AnalyticsModule],
  allowEmbeddedDatabase: false,
  ownedCategories: [...serviceCategories.analytics],
});

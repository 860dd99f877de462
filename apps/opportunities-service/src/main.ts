import 'reflect-metadata';
import { OpportunitiesModule } from '@crm/opportunities-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';

// Distributed mode: this context alone, on the PostgreSQL (and Kafka) named by the environment.
void runService({
  name: 'opportunities-service',
  title: 'CRM opportunities service',
  description: 'Pipeline stages, amounts, close dates, won/lost and forecast categories.',
  modules: [OpportunitiesModule],
  allowEmbeddedDatabase: false,
  ownedCategories: [...serviceCategories.opportunities],
});

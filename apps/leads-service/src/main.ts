import 'reflect-metadata';
import { LeadsModule } from '@crm/leads-service';
import { serviceCategories } from '@crm/contracts';
import { runService } from '@crm/platform';

// Distributed mode: this context alone, on the PostgreSQL (and Kafka) named by the environment.
void runService({
  name: 'leads-service',
  title: 'CRM leads service',
  description: 'Lead capture, dedupe, scoring, routing, qualification and conversion.',
  modules: [LeadsModule],
  allowEmbeddedDatabase: false,
  ownedCategories: [...serviceCategories.leads],
});

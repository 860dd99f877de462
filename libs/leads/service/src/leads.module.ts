import { Module } from '@nestjs/common';
import { CustomersService } from './customers.service';
import { AccountsController, ContactsController } from './http/customers.controller';
import { LeadsController } from './http/leads.controller';
import { ScoringController, ScoringModelController } from './http/scoring.controller';
import { LeadQueries } from './lead.queries';
import { LeadsConsumers } from './leads.consumers';
import { LeadsService } from './leads.service';

/** The leads context: lead capture, dedupe, scoring, routing, qualification and conversion; customers (accounts and contacts). */
@Module({
  controllers: [LeadsConsumers, LeadsController, ScoringController, ScoringModelController, AccountsController, ContactsController],
  providers: [LeadsService, LeadQueries, CustomersService],
  exports: [LeadsService, CustomersService],
})
export class LeadsModule {}

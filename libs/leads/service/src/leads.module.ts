import { Module } from '@nestjs/common';
import { LeadsController } from './http/leads.controller';
import { ScoringController, ScoringModelController } from './http/scoring.controller';
import { LeadQueries } from './lead.queries';
import { LeadsService } from './leads.service';

/** The leads context: lead capture, dedupe, scoring, routing, qualification and conversion. */
@Module({
  controllers: [LeadsController, ScoringController, ScoringModelController],
  providers: [LeadsService, LeadQueries],
  exports: [LeadsService],
})
export class LeadsModule {}

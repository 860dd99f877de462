import { Module } from '@nestjs/common';
import { OpportunitiesController } from './http/opportunities.controller';
import { PipelineController } from './http/pipeline.controller';
import { OpportunitiesConsumers } from './opportunities.consumers';
import { OpportunitiesService } from './opportunities.service';
import { defaultOpportunitiesSettings, OPPORTUNITIES_SETTINGS, stageDefaultsOnly, WIN_PROBABILITIES } from './settings';

/** The opportunities context: pipeline stages, amounts, close dates, won/lost and forecast categories. */
@Module({
  controllers: [OpportunitiesConsumers, OpportunitiesController, PipelineController],
  providers: [
    OpportunitiesService,
    { provide: OPPORTUNITIES_SETTINGS, useValue: defaultOpportunitiesSettings },
    // Learned probabilities plug in here once analytics publishes them.
    { provide: WIN_PROBABILITIES, useValue: stageDefaultsOnly },
  ],
  exports: [OpportunitiesService],
})
export class OpportunitiesModule {}

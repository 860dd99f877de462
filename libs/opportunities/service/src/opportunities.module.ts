import { Module } from '@nestjs/common';

/** The opportunities context: pipeline stages, amounts, close dates, won/lost and forecast categories. */
@Module({})
export class OpportunitiesModule {}

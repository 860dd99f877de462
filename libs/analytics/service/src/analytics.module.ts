import { Module } from '@nestjs/common';

/** The analytics context: projectors into read models; KPI, funnel, target, forecast and audit queries. */
@Module({})
export class AnalyticsModule {}

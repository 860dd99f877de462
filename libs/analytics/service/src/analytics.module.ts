import { Module } from '@nestjs/common';
import { AnalyticsController, AuditController } from './http/analytics.controller';
import { ANALYTICS_SETTINGS, AnalyticsService, defaultAnalyticsSettings } from './analytics.service';

/** The analytics context: projectors into read models; KPI, funnel, report, target, point-in-time and audit queries. */
@Module({
  controllers: [AnalyticsController, AuditController],
  providers: [AnalyticsService, { provide: ANALYTICS_SETTINGS, useValue: defaultAnalyticsSettings }],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}

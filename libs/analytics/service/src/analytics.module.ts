import { Module } from '@nestjs/common';
import { AnalyticsController, AuditController } from './http/analytics.controller';
import { DashboardController } from './http/dashboard.controller';
import { RebuildController } from './http/rebuild.controller';
import { AnalyticsConsumers } from './analytics.consumers';
import { ANALYTICS_SETTINGS, AnalyticsService, defaultAnalyticsSettings } from './analytics.service';

/** The analytics context: projectors into read models; KPI, funnel, report, target, point-in-time and audit queries; the dashboard over them. */
@Module({
  controllers: [AnalyticsConsumers, AnalyticsController, AuditController, DashboardController, RebuildController],
  providers: [AnalyticsService, { provide: ANALYTICS_SETTINGS, useValue: defaultAnalyticsSettings }],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}

import { Module } from '@nestjs/common';
import { AnalyticsController, AuditController } from './http/analytics.controller';
import { DashboardController } from './http/dashboard.controller';
import { ANALYTICS_SETTINGS, AnalyticsService, defaultAnalyticsSettings } from './analytics.service';

/** The analytics context: projectors into read models; KPI, funnel, report, target, point-in-time and audit queries; the dashboard over them. */
@Module({
  controllers: [AnalyticsController, AuditController, DashboardController],
  providers: [AnalyticsService, { provide: ANALYTICS_SETTINGS, useValue: defaultAnalyticsSettings }],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}

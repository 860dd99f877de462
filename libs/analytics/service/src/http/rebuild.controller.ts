import { Body, Controller, Get, HttpCode, Inject, Logger, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CommandRejected, EventStore } from '@crm/event-sourcing';
import { CurrentActor, EVENT_STORE, METRICS, Metrics, RequestActor, requireRole } from '@crm/platform';
import { IsIn, IsOptional } from 'class-validator';
import { AnalyticsService, foreignCategories } from '../analytics.service';

const sources = ['auto', 'store', 'event-log'] as const;

export class RebuildDto {
  @ApiPropertyOptional({
    enum: sources,
    description: 'store: replay the event store (embedded mode); event-log: replay the copy of other contexts’ events (distributed mode); auto (default): store when it holds other contexts’ events',
  })
  @IsOptional()
  @IsIn(sources)
  source?: (typeof sources)[number];
}

export type RebuildStatus = {
  status: 'idle' | 'running' | 'done' | 'failed';
  source?: 'store' | 'event-log';
  applied: number;
  total: number | null;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
};

/**
 * Rebuilds the analytics read models inside the running service, in the background: progress is
 * on /metrics (crm_projection_rebuild_*) and here. Admins only: it replays every tenant's events.
 */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('analytics/rebuild')
export class RebuildController {
  private readonly logger = new Logger('AnalyticsRebuild');
  private current: RebuildStatus = { status: 'idle', applied: 0, total: null };

  constructor(
    private readonly analytics: AnalyticsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a rebuild of the analytics read models from the log (admin); 409 while one runs' })
  async start(@Body() dto: RebuildDto, @CurrentActor() actor: RequestActor): Promise<RebuildStatus> {
    requireRole(actor, ['admin'], 'rebuild the analytics read models');
    if (this.isRunning()) throw new CommandRejected('conflict', 'rebuild-running', 'a rebuild is already running', { startedAt: this.current.startedAt });
    const requested = dto.source ?? 'auto';
    const source =
      requested === 'auto' ? ((await this.store.readAll({ after: 0, maxCount: 1, categories: foreignCategories })).length > 0 ? 'store' : 'event-log') : requested;
    // Checked again: another request may have started one while this one looked at the store.
    if (this.isRunning()) throw new CommandRejected('conflict', 'rebuild-running', 'a rebuild is already running', { startedAt: this.current.startedAt });
    const status: RebuildStatus = { status: 'running', source, applied: 0, total: null, startedAt: new Date().toISOString() };
    this.current = status;
    const tracker = this.metrics.rebuilds.start('analytics');
    void this.analytics
      .rebuild(source, ({ applied, total }) => {
        status.applied = applied;
        status.total = total;
        tracker.progress(applied, total);
      })
      .then(
        ({ applied }) => {
          tracker.done(applied);
          Object.assign(status, { status: 'done', applied, finishedAt: new Date().toISOString() });
          this.logger.log(`rebuilt the analytics read models from ${source}: ${applied} events`);
        },
        (error: unknown) => {
          tracker.failed();
          Object.assign(status, { status: 'failed', finishedAt: new Date().toISOString(), error: (error as Error).message });
          this.logger.error(`rebuilding the analytics read models failed: ${(error as Error).message}`);
        },
      );
    return { ...status };
  }

  private isRunning(): boolean {
    return this.current.status === 'running';
  }

  @Get()
  @ApiOperation({ summary: 'The current or last rebuild of the analytics read models (admin)' })
  status(@CurrentActor() actor: RequestActor): RebuildStatus {
    requireRole(actor, ['admin'], 'see analytics rebuilds');
    return { ...this.current };
  }
}

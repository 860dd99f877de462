import { Body, Controller, Get, HttpCode, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ActivityMetric, activityMetrics, formatMoney, isUuid, TargetScope } from '@crm/contracts';
import { CommandRejected } from '@crm/event-sourcing';
import { endOfDay, parseDay, parsePeriod } from '@crm/analytics-domain';
import { commandContext, CurrentActor, decodeCursor, encodeCursor, RequestActor, RequestValidationFailed, requireRole } from '@crm/platform';
import { ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Range } from '../analytics.queries';
import { AnalyticsService } from '../analytics.service';
import {
  ActivityPlanQuery,
  AsOfQuery,
  AuditQuery,
  CostsQuery,
  FocusQuery,
  KpiQuery,
  OwnerReportQuery,
  PeriodQuery,
  PipelineForecastQuery,
  RecordCostDto,
  RecordForecastDto,
  RevenueForecastQuery,
  SetActivityRatiosDto,
  SetTargetDto,
  StageProbabilitiesQuery,
  TargetsQuery,
} from './analytics.dto';

const settingRoles = ['admin', 'manager', 'integration'] as const;

/** One owner's own figures: a rep may read only their own (403 otherwise), the other roles anyone's in the tenant. */
export const assertMayReadOwner = (actor: RequestActor, ownerId: string, what: string): void => {
  if (actor.roles.some((role) => role !== 'rep') || actor.userId === ownerId) return;
  throw new CommandRejected('forbidden', 'forbidden', `a rep may only read their own ${what}`, { field: 'ownerId' });
};

/** from/to (days, both included) or a period; all time when neither is given. */
export const rangeOf = (query: PeriodQuery, today: Date): Range => {
  if (query.period !== undefined) {
    if (query.from !== undefined || query.to !== undefined) throw new RequestValidationFailed([{ field: 'period', messages: ['give either period or from/to, not both'] }]);
    const interval = parsePeriod(query.period);
    if (!interval) throw new RequestValidationFailed([{ field: 'period', messages: ['period must be a month (YYYY-MM) or a quarter (YYYY-Qn)'] }]);
    return { from: interval.start, to: interval.end };
  }
  const from = query.from !== undefined ? parseDay(query.from) : new Date(0);
  const last = query.to !== undefined ? parseDay(query.to) : parseDay(today.toISOString().slice(0, 10));
  if (!from || !last) throw new RequestValidationFailed([{ field: from ? 'to' : 'from', messages: ['must be a calendar date YYYY-MM-DD'] }]);
  if (last < from) throw new RequestValidationFailed([{ field: 'to', messages: ['to must not be before from'] }]);
  return { from, to: endOfDay(last) };
};

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  private async caughtUp(minPosition: string | undefined) {
    if (minPosition === undefined) return;
    try {
      await this.analytics.waitFor(Number(minPosition));
    } catch {
      throw new ServiceUnavailableException({ message: `the read models have not reached position ${minPosition} yet; retry shortly`, retryAfterSeconds: 1 });
    }
  }

  private today() {
    return this.analytics.now();
  }

  @Get('kpis')
  @ApiOperation({ summary: 'Lead conversion, win rate, deal size, sales cycle, pipeline value and velocity, CAC; per period, optionally grouped' })
  async kpis(@Query() query: KpiQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.kpis(actor.tenantId, rangeOf(query, this.today()), query.groupBy);
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Lead statuses and pipeline stages reached (not only current) by the period’s leads and deals, with conversion between steps' })
  async funnel(@Query() query: PeriodQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.funnel(actor.tenantId, rangeOf(query, this.today()));
  }

  @Get('reports/products')
  @ApiOperation({ summary: 'Per product type: won amount and count, win rate, mean cycle length, open pipeline' })
  async products(@Query() query: PeriodQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.productReport(actor.tenantId, rangeOf(query, this.today()));
  }

  @Get('reports/owners')
  @ApiOperation({ summary: 'Leaderboard: won revenue, win rate, activities logged, tasks done on time' })
  async owners(@Query() query: OwnerReportQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.ownerReport(actor.tenantId, rangeOf(query, this.today()), query.currency);
  }

  @Get('reports/stage-durations')
  @ApiOperation({ summary: 'Median and mean days per stage, over the stays that ended in the period' })
  async stageDurations(@Query() query: PeriodQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.stageDurations(actor.tenantId, rangeOf(query, this.today()));
  }

  @Put('costs')
  @ApiOperation({ summary: 'Record the marketing cost of a lead source in a month or quarter (replaces the earlier figure)' })
  async recordCost(@Body() dto: RecordCostDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    requireRole(actor, settingRoles, 'record marketing costs');
    const result = await this.analytics.recordCost({ source: dto.source, period: dto.period, amount: dto.amount, currency: dto.currency ?? 'EUR' }, commandContext(actor, undefined, this.today()));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { source: result.data.source, period: result.data.period, ...formatMoney(result.data.amount), revision: result.revision, position: result.position };
  }

  @Get('costs')
  @ApiOperation({ summary: 'Recorded marketing costs, optionally of one period' })
  async costs(@Query() query: CostsQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return { items: await this.analytics.costs(actor.tenantId, query.period) };
  }

  @Put('targets')
  @ApiOperation({ summary: 'Set the won-revenue target of an owner, a team or a manager for a month or quarter' })
  async setTarget(@Body() dto: SetTargetDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    requireRole(actor, ['admin', 'manager'], 'set targets');
    const scopes = (['ownerId', 'teamId', 'managerId'] as const).filter((field) => dto[field] !== undefined);
    if (scopes.length !== 1) throw new RequestValidationFailed([{ field: 'ownerId', messages: ['give exactly one of ownerId, teamId, managerId'] }]);
    const scope: TargetScope = scopes[0] === 'ownerId' ? 'owner' : scopes[0] === 'teamId' ? 'team' : 'manager';
    if (dto.metric !== undefined && dto.metric !== 'revenue') {
      const misplaced = (['amount', 'currency'] as const).filter((field) => dto[field] !== undefined);
      if (misplaced.length) throw new RequestValidationFailed(misplaced.map((field) => ({ field, messages: [`an activity target has a count, not ${field === 'amount' ? 'an amount' : 'a currency'}`] })));
      const activity = await this.analytics.setActivityTarget(
        { scope, scopeId: dto[scopes[0]] as string, period: dto.period, metric: dto.metric, count: dto.count as number },
        commandContext(actor, undefined, this.today()),
      );
      if (activity.position !== null) reply.header('x-event-position', String(activity.position));
      return { ...activity.data, revision: activity.revision, position: activity.position };
    }
    if (dto.count !== undefined) throw new RequestValidationFailed([{ field: 'count', messages: ['a revenue target has an amount, not a count'] }]);
    const result = await this.analytics.setTarget(
      { scope, scopeId: dto[scopes[0]] as string, period: dto.period, amount: dto.amount as string, currency: dto.currency ?? 'EUR' },
      commandContext(actor, undefined, this.today()),
    );
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { scope, scopeId: result.data.scopeId, period: result.data.period, metric: 'revenue', ...formatMoney(result.data.amount), revision: result.revision, position: result.position };
  }

  @Get('targets')
  @ApiOperation({ summary: 'Targets of a period: target, achieved, attainment %, gap; for revenue targets the forecast to the period’s end' })
  async targets(@Query() query: TargetsQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.targets(actor.tenantId, query.period);
  }

  @Put('activity-ratios')
  @ApiOperation({ summary: 'Set the activity plan’s ratios of a currency: calls, meetings and e-mails planned per amount of revenue target' })
  async setActivityRatios(@Body() dto: SetActivityRatiosDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    requireRole(actor, ['admin', 'manager'], 'set activity ratios');
    const ratios: Partial<Record<ActivityMetric, number>> = {};
    for (const metric of activityMetrics) if (dto[metric] !== undefined) ratios[metric] = dto[metric];
    if (Object.keys(ratios).length === 0) throw new RequestValidationFailed([{ field: 'calls', messages: ['give at least one of calls, meetings, emails'] }]);
    const result = await this.analytics.setActivityRatios({ per: dto.per, currency: dto.currency ?? 'EUR', ratios }, commandContext(actor, undefined, this.today()));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { per: formatMoney(result.data.per).amount, currency: result.data.per.currency, ratios: result.data.ratios, revision: result.revision, position: result.position };
  }

  @Get('targets/activity-plan')
  @ApiOperation({ summary: 'An owner’s activity plan of a period: activities planned from their revenue target × the ratios, logged so far, attainment; and their activity targets' })
  async activityPlan(@Query() query: ActivityPlanQuery, @CurrentActor() actor: RequestActor) {
    assertMayReadOwner(actor, query.ownerId, 'activity plan');
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.activityPlan(actor.tenantId, query.ownerId, query.period);
  }

  @Get('focus')
  @ApiOperation({ summary: 'An owner’s open deals and leads ranked by the expected revenue a next action would move, each with its components, reason and suggested action; creates nothing' })
  async focus(@Query() query: FocusQuery, @CurrentActor() actor: RequestActor) {
    assertMayReadOwner(actor, query.ownerId, 'focus list');
    await this.caughtUp(query.minPosition);
    return this.analytics.focus(actor.tenantId, query.ownerId, { minSamples: query.minSamples ?? 20, limit: query.limit ?? 50 });
  }

  @Get('pipeline/as-of')
  @ApiOperation({ summary: 'The open pipeline exactly as it stood at the end of a day: each deal’s stage, amount and owner, and totals' })
  async asOf(@Query() query: AsOfQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    const day = parseDay(query.date);
    if (!day) throw new RequestValidationFailed([{ field: 'date', messages: ['date must be a calendar date YYYY-MM-DD'] }]);
    return this.analytics.readModels.pipelineAsOf(actor.tenantId, endOfDay(day), { limit: query.limit ?? 500, after: query.after?.toLowerCase() });
  }

  @Get('stage-probabilities')
  @ApiOperation({ summary: 'Win probability and expected remaining days per stage, learned from the stage history (absorbing Markov chain), with sample sizes' })
  async stageProbabilities(@Query() query: StageProbabilitiesQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.forecasts.stageProbabilities(actor.tenantId, query.minSamples ?? 20);
  }

  @Get('forecast/pipeline')
  @ApiOperation({ summary: 'Expected revenue of a period from the open pipeline (learned win and close probabilities), by category, owner and team, with Monte Carlo P10/P50/P90' })
  async pipelineForecast(@Query() query: PipelineForecastQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.forecasts.pipelineForecast(actor.tenantId, query.period, { currency: query.currency, draws: query.draws ?? 10_000, seed: query.seed ?? 1, minSamples: query.minSamples ?? 20 });
  }

  @Get('forecast/revenue')
  @ApiOperation({
    summary:
      'Won revenue forecast by a time-series model (ARIMA included) or the backtest winner, or by the driver regression on leading indicators (model=drivers), with 80 % and 95 % intervals and backtest MAE, RMSE, MAPE, sMAPE, MASE',
  })
  async revenueForecast(@Query() query: RevenueForecastQuery, @CurrentActor() actor: RequestActor) {
    if (query.model === 'drivers' && (query.granularity === 'week' || query.groupBy !== undefined)) {
      throw new RequestValidationFailed([{ field: query.groupBy !== undefined ? 'groupBy' : 'granularity', messages: ['model=drivers forecasts the whole monthly revenue: no week granularity or groupBy'] }]);
    }
    await this.caughtUp(query.minPosition);
    return this.analytics.forecasts.revenueForecast(actor.tenantId, {
      horizon: query.horizon ?? 12,
      model: query.model ?? 'auto',
      granularity: query.granularity ?? 'month',
      groupBy: query.groupBy,
      currency: query.currency,
    });
  }

  @Post('forecast/snapshots')
  @HttpCode(201)
  @ApiOperation({ summary: 'Record today’s forecasts of a period (pipeline and revenue model) so their accuracy can be measured when it closes' })
  async recordForecasts(@Body() dto: RecordForecastDto, @CurrentActor() actor: RequestActor) {
    requireRole(actor, settingRoles, 'record forecasts');
    return { period: dto.period, snapshots: await this.analytics.recordForecasts(dto.period, dto.currency, commandContext(actor, undefined, this.today())) };
  }

  @Get('forecast/accuracy')
  @ApiOperation({ summary: 'Recorded forecasts of periods now over against the revenue actually won: errors per snapshot, MAE, MAPE and bias per method' })
  async forecastAccuracy(@Query() query: CostsQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.forecasts.accuracy(actor.tenantId, query.period);
  }

  @Get('pipeline/changes')
  @ApiOperation({ summary: 'Deals added, advanced, slipped, won, lost and reopened between two days, with amounts' })
  async changes(@Query() query: PeriodQuery, @CurrentActor() actor: RequestActor) {
    await this.caughtUp(query.minPosition);
    return this.analytics.readModels.pipelineChanges(actor.tenantId, rangeOf(query, this.today()));
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get()
  @ApiOperation({ summary: 'Every context’s events (who, what, when, why), filtered by actor, type, stream and business time; cursor-paginated' })
  async audit(@Query() query: AuditQuery, @CurrentActor() actor: RequestActor) {
    requireRole(actor, ['admin', 'manager', 'integration'], 'read the audit trail');
    if (query.minPosition !== undefined) {
      try {
        await this.analytics.waitFor(Number(query.minPosition));
      } catch {
        throw new ServiceUnavailableException({ message: `the audit trail has not reached position ${query.minPosition} yet; retry shortly`, retryAfterSeconds: 1 });
      }
    }
    const cursor = decodeCursor(query.cursor);
    if (cursor && (cursor.length !== 3 || typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !Number.isSafeInteger(cursor[1]) || typeof cursor[2] !== 'string' || !isUuid(cursor[2]))) {
      throw new RequestValidationFailed([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
    }
    const page = await this.analytics.readModels.audit(actor.tenantId, {
      actor: query.actor,
      type: query.type,
      stream: query.stream,
      range: rangeOf(query, this.analytics.now()),
      after: cursor as [string, number, string] | undefined,
      limit: query.limit ?? 100,
    });
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}

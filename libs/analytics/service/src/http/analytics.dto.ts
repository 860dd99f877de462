import { memberIdPattern, periodPattern, targetMetrics, uuidPattern } from '@crm/contracts';
import { IsCalendarDate, IsMoneyAmount, Optional } from '@crm/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { groupings } from '../analytics.queries';
import { revenueModels } from '../forecasting';

const currencyCode = /^[A-Z]{3}$/;
const currencyMessage = { message: 'currency must be an ISO-4217 code such as EUR' };
const periodMessage = { message: 'period must be a month (YYYY-MM) or a quarter (YYYY-Qn)' };
const positionMessage = { message: 'minPosition must be a position a command returned' };

/** `from`/`to` are calendar days (UTC, both included), or `period` names a month or quarter. */
export class PeriodQuery {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'First day included (UTC); default: the beginning' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-03-31', description: 'Last day included (UTC); default: today' }) @IsOptional() @IsCalendarDate() to?: string;
  @ApiPropertyOptional({ example: '2026-Q1', description: 'Instead of from/to: a month (YYYY-MM) or quarter (YYYY-Qn)' }) @IsOptional() @Matches(periodPattern, periodMessage) period?: string;
  @ApiPropertyOptional({ description: 'Wait (up to 5 s) until the read models include this position, which a command returned' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, positionMessage)
  minPosition?: string;
}

export class KpiQuery extends PeriodQuery {
  @ApiPropertyOptional({ enum: groupings }) @IsOptional() @IsIn(groupings) groupBy?: (typeof groupings)[number];
}

export class OwnerReportQuery extends PeriodQuery {
  @ApiPropertyOptional({ example: 'EUR', description: 'Rank by won revenue in this currency (default: the one with most won deals)' }) @IsOptional() @Matches(currencyCode, currencyMessage) currency?: string;
}

export class RecordCostDto {
  @ApiProperty({ example: 'web', description: 'The lead source the money was spent on' }) @IsString() @Matches(/^[a-z][a-z0-9_-]{0,49}$/, { message: 'source must be a lead source such as web' }) source!: string;
  @ApiProperty({ example: '2026-03' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiProperty({ example: '12500.00' }) @IsMoneyAmount() amount!: string;
  @ApiPropertyOptional({ default: 'EUR' }) @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
}

export class SetTargetDto {
  @ApiPropertyOptional({ example: 'rep-7', description: 'Exactly one of ownerId, teamId, managerId' }) @Optional() @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId?: string;
  @ApiPropertyOptional({ example: 'team-emea' }) @Optional() @Matches(memberIdPattern, { message: 'teamId must be a team id' }) teamId?: string;
  @ApiPropertyOptional({ example: 'mgr-1', description: 'The manager and everyone reporting to them' }) @Optional() @Matches(memberIdPattern, { message: 'managerId must be a team member id' }) managerId?: string;
  @ApiProperty({ example: '2026-Q2' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiPropertyOptional({ enum: targetMetrics, default: 'revenue', description: 'What the target counts: won revenue (give amount) or activities logged (give count)' })
  @Optional()
  @IsIn(targetMetrics)
  metric?: (typeof targetMetrics)[number];
  @ApiPropertyOptional({ example: '250000.00', description: 'Won revenue to reach in the period (revenue targets only)' })
  @ValidateIf((dto: SetTargetDto) => dto.metric === undefined || dto.metric === 'revenue' || dto.amount !== undefined)
  @IsMoneyAmount()
  amount?: string;
  @ApiPropertyOptional({ example: 40, description: 'Activities of the metric to log in the period (activity targets only)' })
  @ValidateIf((dto: SetTargetDto) => (dto.metric !== undefined && dto.metric !== 'revenue') || dto.count !== undefined)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  count?: number;
  @ApiPropertyOptional({ default: 'EUR' }) @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
}

const ratioMessage = { message: 'a ratio must be a number of activities from 0 to 10000' };

/** Activities planned per `per` of revenue target, in one currency; at least one ratio. */
export class SetActivityRatiosDto {
  @ApiProperty({ example: '1000.00', description: 'The amount of revenue target the ratios are per' }) @IsMoneyAmount() per!: string;
  @ApiPropertyOptional({ default: 'EUR' }) @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiPropertyOptional({ example: 4, description: 'Calls per `per` of revenue target' }) @Optional() @IsNumber({}, ratioMessage) @Min(0, ratioMessage) @Max(10_000, ratioMessage) calls?: number;
  @ApiPropertyOptional({ example: 1.5 }) @Optional() @IsNumber({}, ratioMessage) @Min(0, ratioMessage) @Max(10_000, ratioMessage) meetings?: number;
  @ApiPropertyOptional({ example: 10 }) @Optional() @IsNumber({}, ratioMessage) @Min(0, ratioMessage) @Max(10_000, ratioMessage) emails?: number;
}

export class ActivityPlanQuery {
  @ApiProperty({ example: 'rep-7', description: 'A rep may only ask for themself' }) @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId!: string;
  @ApiProperty({ example: '2026-Q2' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class FocusQuery {
  @ApiProperty({ example: 'rep-7', description: 'A rep may only ask for themself' }) @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId!: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ default: 20, description: 'Transitions a stage needs before its learned win probability replaces the default' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  minSamples?: number;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class TargetsQuery {
  @ApiProperty({ example: '2026-Q2' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class CostsQuery {
  @ApiPropertyOptional({ example: '2026-03' }) @IsOptional() @Matches(periodPattern, periodMessage) period?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class AsOfQuery {
  @ApiProperty({ example: '2026-03-31', description: 'The pipeline as it stood at the end of this day (UTC)' }) @IsCalendarDate() date!: string;
  @ApiPropertyOptional({ default: 500, maximum: 5000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(5000) limit?: number;
  @ApiPropertyOptional({ description: 'nextAfter of the previous page' }) @IsOptional() @Matches(uuidPattern, { message: 'after must be the nextAfter of a previous page' }) after?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class AuditQuery extends PeriodQuery {
  @ApiPropertyOptional({ example: 'rep-7' }) @IsOptional() @IsString() @MaxLength(128) actor?: string;
  @ApiPropertyOptional({ example: 'OpportunityWon' }) @IsOptional() @Matches(/^[A-Z][A-Za-z0-9]{0,99}$/, { message: 'type must be an event type such as OpportunityWon' }) type?: string;
  @ApiPropertyOptional({ example: 'opportunity-6f1c…' }) @IsOptional() @Matches(/^[a-z]+-[A-Za-z0-9._:@-]{1,100}$/, { message: 'stream must be a stream id such as lead-{uuid}' }) stream?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class StageProbabilitiesQuery {
  @ApiPropertyOptional({ default: 20, description: 'Transitions a stage needs before its learned probability replaces the default' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  minSamples?: number;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class PipelineForecastQuery extends StageProbabilitiesQuery {
  @ApiProperty({ example: '2026-Q3', description: 'A month or quarter not yet over' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiPropertyOptional({ example: 'EUR', description: 'Default: the currency most deals are in' }) @IsOptional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiPropertyOptional({ default: 10_000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(200_000) draws?: number;
  @ApiPropertyOptional({ default: 1, description: 'The simulation seed: the same seed gives the same percentiles' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(2 ** 31) seed?: number;
}

export class RevenueForecastQuery {
  @ApiPropertyOptional({ default: 12 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(104) horizon?: number;
  @ApiPropertyOptional({ enum: revenueModels, default: 'auto', description: 'A time-series model, auto (the backtest winner among them), or drivers (the regression on leading indicators, monthly, whole tenant)' })
  @IsOptional()
  @IsIn(revenueModels)
  model?: (typeof revenueModels)[number];
  @ApiPropertyOptional({ enum: ['month', 'week'], default: 'month' }) @IsOptional() @IsIn(['month', 'week']) granularity?: 'month' | 'week';
  @ApiPropertyOptional({ enum: groupings }) @IsOptional() @IsIn(groupings) groupBy?: (typeof groupings)[number];
  @ApiPropertyOptional({ example: 'EUR' }) @IsOptional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d{1,15}$/, positionMessage) minPosition?: string;
}

export class RecordForecastDto {
  @ApiProperty({ example: '2026-Q3' }) @Matches(periodPattern, periodMessage) period!: string;
  @ApiPropertyOptional({ example: 'EUR' }) @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
}

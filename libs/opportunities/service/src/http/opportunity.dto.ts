import { ForecastCategory, opportunityStatuses, memberIdPattern, uuidPattern } from '@crm/contracts';
import { openForecastCategories } from '@crm/opportunities-domain';
import { IsCalendarDate, IsMoneyAmount, IsPastInstant, Optional } from '@crm/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { opportunitySorts } from '../opportunity.queries';

const currencyCode = /^[A-Z]{3}$/;
const nonBlank = /\S/;
const currencyMessage = { message: 'currency must be an ISO-4217 code such as EUR' };
const ownerMessage = { message: 'ownerId must be a team member id' };

export class OpenOpportunityDto {
  @ApiProperty({ example: 'Analytical Engines - platform' }) @IsString() @Matches(nonBlank, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
  @ApiProperty({ example: 'Analytical Engines' }) @IsString() @Matches(nonBlank, { message: 'accountName must not be blank' }) @MaxLength(200) accountName!: string;
  @ApiProperty({ example: '48000.00', description: 'Decimal string, never a float; non-negative' }) @IsMoneyAmount() amount!: string;
  @ApiPropertyOptional({ default: 'EUR' }) @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiProperty({ example: 'platform' }) @IsString() @Matches(nonBlank, { message: 'productType must not be blank' }) @MaxLength(100) productType!: string;
  @ApiProperty({ example: 'rep-7' }) @Matches(memberIdPattern, ownerMessage) ownerId!: string;
  @ApiPropertyOptional({ description: 'An open stage of the pipeline; the first one when absent' }) @Optional() @IsString() @Matches(nonBlank, { message: 'stage must not be blank' }) @MaxLength(100) stage?: string;
  @ApiProperty({ example: '2026-12-31' }) @IsCalendarDate() expectedCloseDate!: string;
  @ApiPropertyOptional({ description: 'The lead this deal came from' }) @Optional() @Matches(uuidPattern, { message: 'leadId must be a lead id' }) leadId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The customer account (leads context) the deal is with; accountName stays the readable name' })
  @Optional()
  @Matches(uuidPattern, { message: 'accountId must be an account id (UUID)' })
  accountId?: string;
  @ApiPropertyOptional({ description: 'Backdated opening time for imports (ISO-8601)' }) @Optional() @IsPastInstant() occurredAt?: string;
}

export class ChangeStageDto {
  @ApiProperty({ example: 'Proposal', description: 'An open stage; moving back is allowed' }) @IsString() @Matches(nonBlank, { message: 'stage must not be blank' }) @MaxLength(100) stage!: string;
  @ApiPropertyOptional() @Optional() @IsPastInstant() occurredAt?: string;
}

export class UpdateOpportunityDto {
  @ApiPropertyOptional({ example: '52000.00', description: 'In the deal’s currency unless currency is given' }) @Optional() @IsMoneyAmount() amount?: string;
  @ApiPropertyOptional() @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiPropertyOptional({ example: '2027-01-31' }) @Optional() @IsCalendarDate() expectedCloseDate?: string;
  @ApiPropertyOptional() @Optional() @Matches(memberIdPattern, ownerMessage) ownerId?: string;
  @ApiPropertyOptional({ enum: openForecastCategories, description: 'Overrides the stage default until the next stage change' })
  @Optional()
  @IsIn(openForecastCategories)
  forecastCategory?: ForecastCategory;
  @ApiPropertyOptional() @Optional() @IsString() @Matches(nonBlank, { message: 'name must not be blank' }) @MaxLength(200) name?: string;
}

export class WinOpportunityDto {
  @ApiPropertyOptional({ description: 'The amount won, when it differs from the deal’s' }) @Optional() @IsMoneyAmount() amount?: string;
  @ApiPropertyOptional() @Optional() @Matches(currencyCode, currencyMessage) currency?: string;
  @ApiPropertyOptional() @Optional() @IsPastInstant() occurredAt?: string;
}

export class LoseOpportunityDto {
  @ApiProperty({ example: 'no budget' }) @IsString() @Matches(nonBlank, { message: 'reason must not be blank' }) @MaxLength(500) reason!: string;
  @ApiPropertyOptional() @Optional() @IsString() @Matches(nonBlank, { message: 'competitor must not be blank' }) @MaxLength(200) competitor?: string;
  @ApiPropertyOptional() @Optional() @IsPastInstant() occurredAt?: string;
}

export class ListOpportunitiesQuery {
  @IsOptional() @IsIn(opportunityStatuses) status?: (typeof opportunityStatuses)[number];
  @IsOptional() @IsString() @MaxLength(100) stage?: string;
  @IsOptional() @Matches(memberIdPattern) ownerId?: string;
  @IsOptional() @IsString() @MaxLength(100) productType?: string;
  @IsOptional() @IsCalendarDate() closingFrom?: string;
  @IsOptional() @IsCalendarDate() closingTo?: string;
  @IsOptional() @Matches(/^\d{1,13}(\.\d{1,3})?$/, { message: 'minAmount must be a non-negative decimal such as 1000.50' }) minAmount?: string;
  @IsOptional() @Matches(currencyCode, currencyMessage) currency?: string;
  @IsOptional() @IsIn(['true', 'false']) stale?: string;
  @IsOptional() @IsIn(opportunitySorts) sort?: (typeof opportunitySorts)[number];
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) minPosition?: string;
}

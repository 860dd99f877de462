import { engagementTypes, leadSources, leadStatuses, memberIdPattern, uuidPattern } from '@crm/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsAttributes, IsCalendarDate, IsInternationalPhone, IsMoneyAmount, IsPastInstant, Optional } from './validators';


export class MoneyDto {
  @ApiProperty({ example: '25000.00', description: 'Decimal string; never a float' })
  @IsMoneyAmount()
  amount!: string;

  @ApiProperty({ example: 'EUR' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' })
  currency!: string;
}

class LeadProfileFields {
  @ApiPropertyOptional({ example: 'ada@example.com' })
  @Optional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958' })
  @Optional()
  @IsInternationalPhone()
  phone?: string;

  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) company?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) title?: string;
  @ApiPropertyOptional() @Optional() @IsInt() @Min(1) @Max(10_000_000) companySize?: number;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) industry?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) country?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) region?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) productInterest?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @Optional()
  // ValidateNested alone lets an array through (none of []'s elements fails, and [] drops the field).
  @IsObject({ message: 'estimatedValue must be an object {amount, currency}' })
  @ValidateNested()
  @Type(() => MoneyDto)
  estimatedValue?: MoneyDto;

  @ApiPropertyOptional({ description: 'Custom fields: string, number or boolean values', example: { plan: 'enterprise', seats: 40 } })
  @Optional()
  @IsAttributes()
  attributes?: Record<string, string | number | boolean>;
}

export class CaptureLeadDto extends LeadProfileFields {
  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: leadSources })
  @IsIn(leadSources)
  source!: (typeof leadSources)[number];

  @ApiPropertyOptional({ description: 'Team member id of the owner; without one the lead is routed by rules' })
  @Optional()
  @Matches(memberIdPattern, { message: 'ownerId must be a team member id' })
  ownerId?: string;

  @ApiPropertyOptional({ description: 'Backdated capture time for imports (ISO-8601)' })
  @Optional()
  @IsPastInstant()
  occurredAt?: string;
}

export class UpdateLeadDto extends LeadProfileFields {
  @ApiPropertyOptional() @Optional() @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name?: string;
}

export class RecordEngagementDto {
  @ApiProperty({ enum: engagementTypes }) @IsIn(engagementTypes) type!: (typeof engagementTypes)[number];
  @ApiPropertyOptional() @Optional() @IsPastInstant() occurredAt?: string;
  @ApiPropertyOptional({ default: 1 }) @Optional() @IsInt() @Min(1) @Max(1000) count?: number;
  @ApiPropertyOptional() @Optional() @IsInt() @Min(0) @Max(86_400) durationSeconds?: number;
}

export class AssignLeadDto {
  @ApiProperty() @Matches(memberIdPattern, { message: 'ownerId must be a team member id' }) ownerId!: string;
}

export class DisqualifyLeadDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

export class ConvertLeadDto {
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) opportunityName?: string;
  @ApiProperty({ example: '25000.00' }) @IsMoneyAmount() amount!: string;
  @ApiPropertyOptional({ default: 'EUR' }) @Optional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' }) currency?: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(100) productType!: string;
  @ApiProperty({ example: '2026-12-31' }) @IsCalendarDate() expectedCloseDate!: string;
  @ApiPropertyOptional({ description: 'Link this account; without it the account is matched by the lead\'s company name, or created' })
  @Optional()
  @Matches(uuidPattern, { message: 'accountId must be an account id' })
  accountId?: string;
}

export class MergeLeadDto {
  @ApiProperty() @Matches(uuidPattern, { message: 'duplicateId must be a lead id' }) duplicateId!: string;
}

export class TrainModelDto {
  @ApiPropertyOptional({ default: 0.25, description: 'Share of decided leads kept out of training to measure the model' })
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(0.5)
  holdoutFraction?: number;
}

export class ListLeadsQuery {
  @IsOptional() @IsIn(leadStatuses) status?: (typeof leadStatuses)[number];
  @IsOptional() @Matches(memberIdPattern) ownerId?: string;
  @IsOptional() @IsIn(leadSources) source?: (typeof leadSources)[number];
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) minScore?: number;
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @IsIn(['createdAt', '-createdAt', 'score', '-score', 'name', '-name']) sort?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) minPosition?: string;
}

export class CaptureQuery {
  @IsOptional() @IsIn(['true', 'false']) allowDuplicate?: string;
}

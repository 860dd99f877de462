import { activityDirections, activityTypes, relatedRecordTypes, taskPriorities, taskStatuses, taskTypes, teamRoles } from '@crm/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsEmailAddress, IsInstant, IsPastInstant, memberIdPattern, NotForNotes, Optional, relatedPattern, uuidPattern } from './validators';

const notBlank = (field: string) => Matches(/\S/, { message: `${field} must not be blank` });
const memberId = (field: string) => Matches(memberIdPattern, { message: `${field} must be a team member id` });

export class RelatedRecordDto {
  @ApiProperty({ enum: relatedRecordTypes }) @IsIn(relatedRecordTypes) type!: (typeof relatedRecordTypes)[number];
  @ApiProperty({ format: 'uuid' }) @Matches(uuidPattern, { message: 'id must be the record’s UUID' }) id!: string;
}

export class CreateTaskDto {
  @ApiProperty({ example: 'Call back about pricing' }) @IsString() @notBlank('title') @MaxLength(200) title!: string;
  @ApiProperty({ enum: taskTypes }) @IsIn(taskTypes) type!: (typeof taskTypes)[number];

  @ApiPropertyOptional({ description: 'Team member id; without one the related record’s owner gets it, else the assignment rules choose' })
  @Optional()
  @memberId('assigneeId')
  assigneeId?: string;

  @ApiProperty({ type: RelatedRecordDto })
  @IsObject()
  @ValidateNested()
  @Type(() => RelatedRecordDto)
  related!: RelatedRecordDto;

  @ApiProperty({ example: '2026-05-01T09:00:00Z' }) @IsInstant() dueAt!: string;
  @ApiProperty({ enum: taskPriorities }) @IsIn(taskPriorities) priority!: (typeof taskPriorities)[number];
  @ApiPropertyOptional() @Optional() @IsString() @notBlank('notes') @MaxLength(2000) notes?: string;
}

export class CompleteTaskDto {
  @ApiPropertyOptional({ example: 'Booked a demo' }) @Optional() @IsString() @notBlank('outcome') @MaxLength(1000) outcome?: string;
}

export class ReassignTaskDto {
  @ApiProperty() @memberId('assigneeId') assigneeId!: string;
}

export class CancelTaskDto {
  @ApiProperty() @IsString() @notBlank('reason') @MaxLength(500) reason!: string;
}

export class UpdateTaskDto {
  @ApiPropertyOptional() @Optional() @IsInstant() dueAt?: string;
  @ApiPropertyOptional({ enum: taskPriorities }) @Optional() @IsIn(taskPriorities) priority?: (typeof taskPriorities)[number];
  @ApiPropertyOptional() @Optional() @IsString() @notBlank('title') @MaxLength(200) title?: string;
}

class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'minPosition must be a position a command returned' }) minPosition?: string;
}

export class ListTasksQuery extends PageQuery {
  @IsOptional() @memberId('assigneeId') assigneeId?: string;
  @IsOptional() @IsIn(taskStatuses) status?: (typeof taskStatuses)[number];
  @IsOptional() @IsIn(['true', 'false']) overdue?: string;
  @IsOptional() @Matches(relatedPattern, { message: 'related must be lead:{id}, opportunity:{id}, account:{id} or contact:{id}' }) related?: string;
  @IsOptional() @IsInstant() dueBefore?: string;
}

export class UpsertTeamMemberDto {
  @ApiProperty({ example: 'Ada Lovelace' }) @IsString() @notBlank('name') @MaxLength(200) name!: string;
  @ApiProperty({ example: 'ada@example.com' }) @IsEmailAddress() @MaxLength(254) email!: string;
  @ApiProperty({ enum: teamRoles }) @IsIn(teamRoles) role!: (typeof teamRoles)[number];
  @ApiPropertyOptional() @Optional() @memberId('managerId') managerId?: string;
  @ApiPropertyOptional({ example: 'EMEA' }) @Optional() @IsString() @notBlank('region') @MaxLength(100) region?: string;
  @ApiPropertyOptional({ example: 'team-emea' }) @Optional() @Matches(memberIdPattern, { message: 'teamId must be a team id (same characters as a member id)' }) teamId?: string;

  @ApiPropertyOptional({ type: [String], example: ['platform', 'analytics'] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  productLines?: string[];

  @ApiPropertyOptional({ description: 'Most open tasks the member should hold' }) @Optional() @IsInt() @Min(0) @Max(10_000) capacity?: number;
  @ApiProperty() @IsBoolean() active!: boolean;
}

export class ListTeamQuery extends PageQuery {
  @IsOptional() @IsIn(teamRoles) role?: (typeof teamRoles)[number];
  @IsOptional() @IsIn(['true', 'false']) active?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) region?: string;
}

export class LogActivityDto {
  @ApiProperty({ enum: activityTypes }) @IsIn(activityTypes) type!: (typeof activityTypes)[number];

  @ApiProperty({ type: RelatedRecordDto })
  @IsObject()
  @ValidateNested()
  @Type(() => RelatedRecordDto)
  related!: RelatedRecordDto;

  @ApiProperty({ example: 'Discussed pricing; sending a proposal' }) @IsString() @notBlank('summary') @MaxLength(2000) summary!: string;
  @ApiPropertyOptional({ enum: activityDirections }) @Optional() @IsIn(activityDirections) @NotForNotes() direction?: (typeof activityDirections)[number];
  @ApiProperty({ example: '2026-04-01T10:30:00Z', description: 'When it happened; not in the future' }) @IsPastInstant() occurredAt!: string;
  @ApiPropertyOptional() @Optional() @IsInt() @Min(0) @Max(1440) @NotForNotes() durationMinutes?: number;
}

export class ListActivitiesQuery extends PageQuery {
  @IsOptional() @Matches(relatedPattern, { message: 'related must be lead:{id}, opportunity:{id}, account:{id} or contact:{id}' }) related?: string;
  @IsOptional() @IsIn(activityTypes) type?: (typeof activityTypes)[number];
}

export class AccountTimelineQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'minPosition must be a position a command returned' }) minPosition?: string;
}

export class AccountSummaryQuery {
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'minPosition must be a position a command returned' }) minPosition?: string;
}

export class TimelineQuery {
  @Matches(relatedPattern, { message: 'related must be lead:{id}, opportunity:{id}, account:{id} or contact:{id}' }) related!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'minPosition must be a position a command returned' }) minPosition?: string;
}

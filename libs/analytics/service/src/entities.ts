import { Column, Entity, PrimaryColumn, ValueTransformer } from 'typeorm';

// TypeORM's view of the analytics read models (the DDL is analytics.schema.ts, kept by hand so that
// several replicas can start at once). The schema comes from the DataSource's `schema` option.

/** bigint columns hold minor units and positions, all well inside Number.MAX_SAFE_INTEGER. */
const bigintNumber: ValueTransformer = { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) };
const numeric = bigintNumber;

@Entity({ name: 'event_log' })
export class LoggedEvent {
  @PrimaryColumn('uuid', { name: 'event_id' }) eventId!: string;
  @Column('bigint', { transformer: bigintNumber }) seq!: number;
  @Column('text', { name: 'tenant_id' }) tenantId!: string;
  @Column('text', { name: 'stream_id' }) streamId!: string;
  @Column('text') category!: string;
  @Column('text') type!: string;
  @Column('int', { name: 'schema_version' }) schemaVersion!: number;
  @Column('bigint', { transformer: bigintNumber }) revision!: number;
  @Column('bigint', { name: 'origin_position', transformer: bigintNumber }) originPosition!: number;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt!: Date;
  @Column('timestamptz', { name: 'recorded_at' }) recordedAt!: Date;
  @Column('text', { name: 'actor_id' }) actorId!: string;
  @Column('text', { name: 'actor_role' }) actorRole!: string;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('text', { name: 'causation_id' }) causationId!: string;
  @Column('text', { nullable: true }) traceparent!: string | null;
  @Column('jsonb') data!: unknown;
}

@Entity({ name: 'leads' })
export class LeadRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'lead_id' }) leadId!: string;
  @Column('text') source!: string;
  @Column('text', { name: 'owner_id', nullable: true }) ownerId!: string | null;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { name: 'product_interest', nullable: true }) productInterest!: string | null;
  @Column('text') status!: string;
  @Column('timestamptz', { name: 'captured_at' }) capturedAt!: Date;
  @Column('timestamptz', { name: 'working_at', nullable: true }) workingAt!: Date | null;
  @Column('timestamptz', { name: 'qualified_at', nullable: true }) qualifiedAt!: Date | null;
  @Column('timestamptz', { name: 'converted_at', nullable: true }) convertedAt!: Date | null;
  @Column('timestamptz', { name: 'disqualified_at', nullable: true }) disqualifiedAt!: Date | null;
  @Column('uuid', { name: 'merged_into', nullable: true }) mergedInto!: string | null;
  @Column('uuid', { name: 'opportunity_id', nullable: true }) opportunityId!: string | null;
  @Column('bigint', { transformer: bigintNumber }) revision!: number;
}

@Entity({ name: 'deals' })
export class DealRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'opportunity_id' }) opportunityId!: string;
  @Column('uuid', { name: 'lead_id', nullable: true }) leadId!: string | null;
  @Column('text') name!: string;
  @Column('text', { name: 'owner_id' }) ownerId!: string;
  @Column('text', { name: 'product_type' }) productType!: string;
  @Column('text') status!: string;
  @Column('text') stage!: string;
  @Column('numeric', { transformer: numeric }) probability!: number;
  @Column('text', { name: 'forecast_category' }) forecastCategory!: string;
  @Column('text') currency!: string;
  @Column('bigint', { name: 'amount_minor', transformer: bigintNumber }) amountMinor!: number;
  @Column('date', { name: 'expected_close_date' }) expectedCloseDate!: string;
  @Column('timestamptz', { name: 'opened_at' }) openedAt!: Date;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt!: Date | null;
  @Column('bigint', { transformer: bigintNumber }) revision!: number;
}

@Entity({ name: 'deal_events' })
export class DealEventRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'opportunity_id' }) opportunityId!: string;
  @PrimaryColumn('bigint', { transformer: bigintNumber }) revision!: number;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt!: Date;
  @Column('text') kind!: string;
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('numeric', { nullable: true, transformer: numeric }) probability!: number | null;
  @Column('text', { nullable: true }) status!: string | null;
  @Column('bigint', { name: 'amount_minor', nullable: true, transformer: bigintNumber }) amountMinor!: number | null;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('text', { name: 'owner_id', nullable: true }) ownerId!: string | null;
  @Column('date', { name: 'expected_close_date', nullable: true }) expectedCloseDate!: string | null;
  @Column('text', { name: 'from_stage', nullable: true }) fromStage!: string | null;
  @Column('bigint', { name: 'amount_after_minor', transformer: bigintNumber }) amountAfterMinor!: number;
  @Column('text', { name: 'currency_after' }) currencyAfter!: string;
}

@Entity({ name: 'tasks' })
export class TaskRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'task_id' }) taskId!: string;
  @Column('text', { name: 'assignee_id', nullable: true }) assigneeId!: string | null;
  @Column('text') status!: string;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @Column('boolean', { name: 'on_time', nullable: true }) onTime!: boolean | null;
  @Column('text', { name: 'related_type' }) relatedType!: string;
  @Column('text', { name: 'related_id' }) relatedId!: string;
  @Column('text', { name: 'automation_rule', nullable: true }) automationRule!: string | null;
  @Column('bigint', { transformer: bigintNumber }) revision!: number;
}

@Entity({ name: 'activities' })
export class ActivityRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'activity_id' }) activityId!: string;
  @Column('text', { name: 'actor_id' }) actorId!: string;
  @Column('text', { name: 'activity_type' }) activityType!: string;
  @Column('text', { name: 'related_type' }) relatedType!: string;
  @Column('text', { name: 'related_id' }) relatedId!: string;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt!: Date;
}

@Entity({ name: 'members' })
export class MemberRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text', { name: 'member_id' }) memberId!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'manager_id', nullable: true }) managerId!: string | null;
  @Column('text', { name: 'team_id', nullable: true }) teamId!: string | null;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('boolean') active!: boolean;
}

@Entity({ name: 'marketing_costs' })
export class MarketingCostRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') source!: string;
  @PrimaryColumn('text') period!: string;
  @Column('timestamptz', { name: 'period_start' }) periodStart!: Date;
  @Column('timestamptz', { name: 'period_end' }) periodEnd!: Date;
  @Column('text') currency!: string;
  @Column('bigint', { name: 'amount_minor', transformer: bigintNumber }) amountMinor!: number;
}

@Entity({ name: 'targets' })
export class TargetRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') scope!: string;
  @PrimaryColumn('text', { name: 'scope_id' }) scopeId!: string;
  @PrimaryColumn('text') period!: string;
  @Column('timestamptz', { name: 'period_start' }) periodStart!: Date;
  @Column('timestamptz', { name: 'period_end' }) periodEnd!: Date;
  @Column('text') currency!: string;
  @Column('bigint', { name: 'amount_minor', transformer: bigintNumber }) amountMinor!: number;
}

@Entity({ name: 'pipeline_stages' })
export class PipelineStageRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('int') position!: number;
  @Column('text') name!: string;
  @Column('numeric', { transformer: numeric }) probability!: number;
}

@Entity({ name: 'forecast_snapshots' })
export class ForecastSnapshotRecord {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') period!: string;
  @PrimaryColumn('text') method!: string;
  @PrimaryColumn('date', { name: 'recorded_on' }) recordedOn!: string;
  @Column('timestamptz', { name: 'period_start' }) periodStart!: Date;
  @Column('timestamptz', { name: 'period_end' }) periodEnd!: Date;
  @Column('text') currency!: string;
  @Column('bigint', { name: 'expected_minor', transformer: bigintNumber }) expectedMinor!: number;
  @Column('bigint', { name: 'p10_minor', nullable: true, transformer: bigintNumber }) p10Minor!: number | null;
  @Column('bigint', { name: 'p90_minor', nullable: true, transformer: bigintNumber }) p90Minor!: number | null;
  @Column('timestamptz', { name: 'as_of' }) asOf!: Date;
}

export const analyticsEntities = [ForecastSnapshotRecord, LoggedEvent, LeadRecord, DealRecord, DealEventRecord, TaskRecord, ActivityRecord, MemberRecord, MarketingCostRecord, TargetRecord, PipelineStageRecord];

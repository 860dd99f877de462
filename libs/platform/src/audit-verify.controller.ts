import { Controller, Get, Inject, NotImplementedException, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { EventStore } from '@crm/event-sourcing';
import { CurrentActor, RequestActor, requireRole } from './auth/request-context';
import { RequestValidationFailed } from './problem-details';
import { EVENT_STORE } from './tokens';

export class AuditVerifyQuery {
  @ApiPropertyOptional({ example: 'lead-6f1c…', description: 'Verify this stream' })
  @IsOptional()
  @Matches(/^[a-z]+-[A-Za-z0-9._:@-]{1,100}$/, { message: 'stream must be a stream id such as lead-{uuid}' })
  stream?: string;

  @ApiPropertyOptional({ enum: ['true'], description: 'Verify every stream of the tenant' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'all must be true or false' })
  all?: string;
}

/**
 * Tamper evidence: recomputes the events' SHA-256 hash chain (see the README) over the caller's
 * tenant and reports the first event whose stored row no longer matches what was appended.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit/verify')
export class AuditVerifyController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @ApiOperation({ summary: 'Recompute the hash chain of one stream (?stream=) or of every stream (?all=true) of the tenant; reports the first break' })
  async verify(@Query() query: AuditVerifyQuery, @CurrentActor() actor: RequestActor) {
    requireRole(actor, ['admin', 'manager', 'integration'], 'verify the audit trail');
    const all = query.all === 'true';
    if ((query.stream !== undefined) === all) {
      throw new RequestValidationFailed([{ field: all ? 'all' : 'stream', messages: ['give exactly one of stream=<stream id> and all=true'] }]);
    }
    if (!this.store.verifyChain) throw new NotImplementedException('this event store keeps no hash chain');
    const result = await this.store.verifyChain(query.stream !== undefined ? { streamId: query.stream, tenantId: actor.tenantId } : { all: true, tenantId: actor.tenantId });
    return { intact: result.firstBreak === undefined, ...result };
  }
}

import { Body, Controller, Get, Headers, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandRejected } from '@crm/event-sourcing';
import { commandContext, CurrentActor, etag, RequestActor } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { OpportunitiesService } from '../opportunities.service';
import { pipelineView } from './opportunity.view';
import { DefinePipelineDto } from './pipeline.dto';

@ApiTags('pipeline')
@ApiBearerAuth()
@Controller('pipeline')
export class PipelineController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @Get('stages')
  @ApiOperation({ summary: 'The ordered open stages with default probability, forecast category and idle-day limit; the outcomes Won and Lost' })
  async stages(@CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.opportunities.pipeline(actor.tenantId);
    reply.header('etag', etag(revision));
    return pipelineView(state, revision);
  }

  @Put('stages')
  @ApiOperation({ summary: 'Replace the open stages (admins and managers; If-Match honoured); removing a stage that holds open deals is a 409' })
  async define(@Body() dto: DefinePipelineDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    // The pipeline shapes every rep's forecast: reps read it, but do not change it.
    if (!actor.roles.some((role) => role === 'admin' || role === 'manager')) {
      throw new CommandRejected('forbidden', 'forbidden', 'only admins and managers change the pipeline');
    }
    const result = await this.opportunities.definePipeline(dto.stages, commandContext(actor, ifMatch));
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { ...pipelineView(result.state, result.revision), position: result.position };
  }
}

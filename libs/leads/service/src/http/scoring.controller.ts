import { Body, Controller, Get, Headers, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, etag, RequestActor, RequestValidationFailed } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { LeadsService } from '../leads.service';
import { ScoringConfiguration } from '../scoring.service';
import { validateScoringRules } from './scoring-rules.validation';

@ApiTags('scoring')
@ApiBearerAuth()
@Controller('scoring')
export class ScoringController {
  constructor(private readonly leads: LeadsService) {}

  @Get('rules')
  @ApiOperation({ summary: 'The weighted scoring rules in force (defaults until changed)' })
  async rules(@CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const configuration = await this.leads.scoring.configuration(actor.tenantId);
    reply.header('etag', etag(configuration.revision));
    return rulesView(configuration);
  }

  @Put('rules')
  @ApiOperation({ summary: 'Replace the scoring rules; new scores use them (If-Match honoured)' })
  async defineRules(@Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { rules, errors } = validateScoringRules(body);
    if (!rules) throw new RequestValidationFailed(errors);
    const context = commandContext(actor, ifMatch);
    const configuration = await this.leads.scoring.defineRules(actor.tenantId, rules, context.metadata, context.now, context.expectedRevision);
    reply.header('etag', etag(configuration.revision));
    return rulesView(configuration);
  }
}

const rulesView = (configuration: ScoringConfiguration) => ({ version: configuration.rulesVersion, ...configuration.rules });

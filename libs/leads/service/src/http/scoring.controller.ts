import { Body, Controller, Get, Headers, HttpCode, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, etag, RequestActor, RequestValidationFailed, requireRole } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { LeadsService } from '../leads.service';
import { ScoringConfiguration } from '../scoring.service';
import { modelView } from '../scoring-model.service';
import { validateScoringRules } from './scoring-rules.validation';
import { TrainModelDto } from './lead.dto';

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
    requireRole(actor, ['admin', 'manager'], 'change the scoring rules');
    const { rules, errors } = validateScoringRules(body);
    if (!rules) throw new RequestValidationFailed(errors);
    const context = commandContext(actor, ifMatch);
    const configuration = await this.leads.scoring.defineRules(actor.tenantId, rules, context.metadata, context.now, context.expectedRevision);
    reply.header('etag', etag(configuration.revision));
    return rulesView(configuration);
  }
}

@ApiTags('scoring')
@ApiBearerAuth()
@Controller('scoring/model')
export class ScoringModelController {
  constructor(private readonly leads: LeadsService) {}

  @Post('train')
  @HttpCode(201)
  @ApiOperation({ summary: 'Fit logistic regression on converted (1) and disqualified (0) leads; report hold-out metrics and weights' })
  async train(@Body() dto: TrainModelDto, @CurrentActor() actor: RequestActor) {
    requireRole(actor, ['admin', 'manager'], 'train and activate a scoring model');
    const context = commandContext(actor);
    const { encoder: _encoder, ...report } = await this.leads.models.train(actor.tenantId, dto.holdoutFraction ?? 0.25, context.metadata, context.now);
    return report;
  }

  @Get()
  @ApiOperation({ summary: 'The active model and its metrics (null while scoring is rule-based)' })
  async model(@CurrentActor() actor: RequestActor) {
    return { active: modelView((await this.leads.scoring.configuration(actor.tenantId)).model) };
  }
}

const rulesView = (configuration: ScoringConfiguration) => ({ version: configuration.rulesVersion, ...configuration.rules });

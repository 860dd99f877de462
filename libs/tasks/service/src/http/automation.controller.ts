import { Body, Controller, Get, Headers, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, etag, RequestActor, RequestValidationFailed, requireRole } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { TasksService } from '../tasks.service';
import { validateAutomationRules } from './automation-rules.validation';
import { rulesView } from './views';

@ApiTags('automation')
@ApiBearerAuth()
@Controller('automation/rules')
export class AutomationController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: 'The automation rules in force (version 0: the defaults)' })
  async rules(@CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.tasks.automationRules(actor.tenantId);
    reply.header('etag', etag(revision));
    return rulesView(state);
  }

  @Put()
  @ApiOperation({ summary: 'Replace the automation rules; triggers handled from now on use them (If-Match honoured)' })
  async define(@Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    requireRole(actor, ['admin', 'manager'], 'change the automation rules');
    const { rules, errors } = validateAutomationRules(body);
    if (!rules) throw new RequestValidationFailed(errors);
    const result = await this.tasks.defineAutomationRules(rules, commandContext(actor, ifMatch, this.tasks.now()));
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { ...rulesView(result.state), position: result.position };
  }
}

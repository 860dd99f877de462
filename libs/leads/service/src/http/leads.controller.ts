import { Body, Controller, Get, Headers, HttpCode, Optional, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandRejected } from '@crm/event-sourcing';
import { CurrentActor, RequestActor, assertMayBackdate, awaitPosition, commandContext, decodeCursor, encodeCursor, etag, historyEntry, requireRole } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { CustomersService } from '../customers.service';
import { LeadResult, LeadsService } from '../leads.service';
import { LeadQueries } from '../lead.queries';
import { AssignLeadDto, CaptureLeadDto, CaptureQuery, ConvertLeadDto, DisqualifyLeadDto, ListLeadsQuery, MergeLeadDto, RecordEngagementDto, UpdateLeadDto } from './lead.dto';
import { leadView } from './lead.view';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'lead-not-found', 'no such lead') });

@ApiTags('leads')
@ApiBearerAuth()
@Controller('leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadsService,
    private readonly queries: LeadQueries,
    @Optional() private readonly customers?: CustomersService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Capture a lead (409 on a duplicate e-mail or phone unless allowDuplicate=true)' })
  async capture(@Body() dto: CaptureLeadDto, @Query() query: CaptureQuery, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    assertMayBackdate(actor, dto.occurredAt);
    const result = await this.leads.capture(dto, commandContext(actor), query.allowDuplicate === 'true');
    reply.header('location', `/leads/${result.leadId}`);
    return respond(reply, result);
  }

  @Get()
  @ApiOperation({ summary: 'List leads: filter by status, owner, source, minimum score, text; cursor-paginated' })
  async list(@Query() query: ListLeadsQuery, @CurrentActor() actor: RequestActor) {
    await awaitPosition(this.leads.viewSubscription, query.minPosition);
    const page = await this.queries.list(actor.tenantId, { ...query, cursor: decodeCursor(query.cursor), scope: await this.leads.scopeOf(actor) });
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  async get(@Param('id', uuid) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.leads.getFor(id, actor);
    reply.header('etag', etag(revision));
    return leadView(state, revision);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The lead’s events in order, with who did what and when' })
  async history(@Param('id', uuid) id: string, @CurrentActor() actor: RequestActor) {
    const { events } = await this.leads.getFor(id, actor);
    return { leadId: id, events: events.map(historyEntry) };
  }

  @Patch(':id')
  async update(
    @Param('id', uuid) id: string,
    @Body() dto: UpdateLeadDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.update(id, dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/engagements')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record an engagement; the lead is rescored' })
  async engagement(@Param('id', uuid) id: string, @Body() dto: RecordEngagementDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.recordEngagement(id, dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/assign')
  @HttpCode(200)
  async assign(@Param('id', uuid) id: string, @Body() dto: AssignLeadDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.assign(id, dto.ownerId, commandContext(actor, ifMatch)));
  }

  @Post(':id/qualify')
  @HttpCode(200)
  async qualify(@Param('id', uuid) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.transition(id, commandContext(actor, ifMatch), { type: 'QualifyLead' }));
  }

  @Post(':id/disqualify')
  @HttpCode(200)
  async disqualify(@Param('id', uuid) id: string, @Body() dto: DisqualifyLeadDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.transition(id, commandContext(actor, ifMatch), { type: 'DisqualifyLead', reason: dto.reason.trim() }));
  }

  @Post(':id/reopen')
  @HttpCode(200)
  async reopen(@Param('id', uuid) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    return respond(reply, await this.leads.transition(id, commandContext(actor, ifMatch), { type: 'ReopenLead' }));
  }

  @Post(':id/convert')
  @HttpCode(201)
  @ApiOperation({ summary: 'Convert a qualified lead; creates or links the account (by accountId or company name) and the contact; their ids and the opportunity id are carried by LeadConverted' })
  async convert(@Param('id', uuid) id: string, @Body() dto: ConvertLeadDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    if (dto.accountId && this.customers) await this.customers.assertAccountVisible(dto.accountId, actor);
    const result = await this.leads.convert(id, dto, commandContext(actor, ifMatch));
    setCommandHeaders(reply, result);
    return { leadId: id, opportunityId: result.opportunityId, accountId: result.accountId ?? null, contactId: result.contactId ?? null, position: result.position };
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge a duplicate into this lead; both histories stay reachable' })
  async merge(@Param('id', uuid) id: string, @Body() dto: MergeLeadDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    await this.leads.getFor(dto.duplicateId.toLowerCase(), actor);
    return respond(reply, await this.leads.merge(id, dto.duplicateId.toLowerCase(), commandContext(actor, ifMatch)));
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({
    summary: 'GDPR erasure (admin only): shreds the key of the person’s name, e-mail, phone and free-text reason, here and in every copy of the events',
    description:
      'Covers the lead and every lead merged with it. Afterwards those fields read as null and the lead as `erased: true` in every answer, history and replay; ' +
      'status, score, owner, source, amounts and reports stay as they were. A repeat appends nothing.',
  })
  async erase(@Param('id', uuid) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.leads.getFor(id, actor);
    requireRole(actor, ['admin'], 'erase personal data');
    const result = await this.leads.erase(id, commandContext(actor, ifMatch));
    return { ...respond(reply, result), erasedLeadIds: result.erasedLeadIds };
  }
}

const setCommandHeaders = (reply: FastifyReply, result: LeadResult) => {
  reply.header('etag', etag(result.revision));
  if (result.position !== null) reply.header('x-event-position', String(result.position));
};

const respond = (reply: FastifyReply, result: LeadResult) => {
  setCommandHeaders(reply, result);
  return { ...leadView(result.state, result.revision), position: result.position };
};

import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, PipeTransform, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isUuid } from '@crm/contracts';
import { CommandRejected } from '@crm/event-sourcing';
import { CurrentActor, RequestActor, RequestValidationFailed, assertMayBackdate, awaitPosition, commandContext, decodeCursor, encodeCursor, etag, historyEntry } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { DealResult, OpportunitiesService } from '../opportunities.service';
import { OpportunitySort } from '../opportunity.queries';
import { ChangeStageDto, ListOpportunitiesQuery, LoseOpportunityDto, OpenOpportunityDto, UpdateOpportunityDto, WinOpportunityDto } from './opportunity.dto';

const uuidPipe = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'opportunity-not-found', 'no such opportunity') });
// Stream ids are lowercase: an id in capitals names the same deal.
const lowercase: PipeTransform<string, string> = { transform: (value) => value.toLowerCase() };

@ApiTags('opportunities')
@ApiBearerAuth()
@Controller('opportunities')
export class OpportunitiesController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Open an opportunity in the given stage, or the pipeline’s first' })
  async open(@Body() dto: OpenOpportunityDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    assertMayBackdate(actor, dto.occurredAt);
    const result = await this.opportunities.open(dto, commandContext(actor));
    reply.header('location', `/opportunities/${result.opportunityId}`);
    return this.respond(reply, actor, result);
  }

  @Get()
  @ApiOperation({ summary: 'List opportunities: filter by status, stage, owner, product, close dates, amount, staleness; cursor-paginated' })
  async list(@Query() query: ListOpportunitiesQuery, @CurrentActor() actor: RequestActor) {
    await awaitPosition(this.opportunities.viewSubscription, query.minPosition);
    const sort = query.sort ?? '-createdAt';
    const page = await this.opportunities.queries.list(actor.tenantId, {
      status: query.status,
      stage: query.stage,
      ownerId: query.ownerId,
      productType: query.productType,
      closingFrom: query.closingFrom,
      closingTo: query.closingTo,
      minAmount: query.minAmount,
      currency: query.currency,
      stale: query.stale === undefined ? undefined : query.stale === 'true',
      sort,
      limit: query.limit,
      cursor: cursorFor(sort, query.cursor),
      scope: await this.opportunities.scopeOf(actor),
    });
    return { items: await this.opportunities.present(actor.tenantId, page.items), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A deal with its probability (saying where it comes from), forecast category, ages and staleness' })
  async get(@Param('id', uuidPipe, lowercase) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.opportunities.getFor(id, actor);
    reply.header('etag', etag(revision));
    const [view] = await this.opportunities.present(actor.tenantId, [{ state, revision }]);
    return view;
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The deal’s events in order, with who did what and when' })
  async history(@Param('id', uuidPipe, lowercase) id: string, @CurrentActor() actor: RequestActor) {
    const { events } = await this.opportunities.getFor(id, actor);
    return { opportunityId: id, events: events.map(historyEntry) };
  }

  @Post(':id/stage')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the deal to an open stage, forward or back (If-Match honoured)' })
  async changeStage(@Param('id', uuidPipe, lowercase) id: string, @Body() dto: ChangeStageDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.opportunities.getFor(id, actor);
    return this.respond(reply, actor, await this.opportunities.changeStage(id, dto.stage, dto.occurredAt, commandContext(actor, ifMatch)));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change amount, close date, owner, name, or override the forecast category' })
  async update(@Param('id', uuidPipe, lowercase) id: string, @Body() dto: UpdateOpportunityDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.opportunities.getFor(id, actor);
    return this.respond(reply, actor, await this.opportunities.update(id, dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/win')
  @HttpCode(200)
  async win(@Param('id', uuidPipe, lowercase) id: string, @Body() dto: WinOpportunityDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.opportunities.getFor(id, actor);
    return this.respond(reply, actor, await this.opportunities.win(id, dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/lose')
  @HttpCode(200)
  async lose(@Param('id', uuidPipe, lowercase) id: string, @Body() dto: LoseOpportunityDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.opportunities.getFor(id, actor);
    return this.respond(reply, actor, await this.opportunities.lose(id, dto, commandContext(actor, ifMatch)));
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reopen a won or lost deal in the stage it was closed from' })
  async reopen(@Param('id', uuidPipe, lowercase) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.opportunities.getFor(id, actor);
    return this.respond(reply, actor, await this.opportunities.reopen(id, commandContext(actor, ifMatch)));
  }

  private async respond(reply: FastifyReply, actor: RequestActor, result: DealResult) {
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    const [view] = await this.opportunities.present(actor.tenantId, [result]);
    return { ...view, position: result.position };
  }
}

const cursorValue: Record<string, (value: unknown) => boolean> = {
  createdAt: (value) => typeof value === 'string' && Number.isFinite(Date.parse(value)),
  expectedCloseDate: (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value),
  amount: (value) => typeof value === 'string' && /^\d{1,20}(\.\d{1,6})?$/.test(value),
};

/** A cursor is only good for the sort it was made for; anything else is a client error, not a 500. */
const cursorFor = (sort: OpportunitySort, raw: string | undefined): unknown[] | undefined => {
  const cursor = decodeCursor(raw);
  if (!cursor) return undefined;
  const [value, id] = cursor;
  if (cursor.length !== 2 || typeof id !== 'string' || !isUuid(id) || !cursorValue[sort.replace(/^-/, '')](value)) {
    throw new RequestValidationFailed([{ field: 'cursor', messages: ['cursor is not one this API returned for this sort'] }]);
  }
  return cursor;
};

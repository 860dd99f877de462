import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, decodeCursor, encodeCursor, etag, RequestActor } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { TasksService } from '../tasks.service';
import { timelineAfter } from '../timeline';
import { activityIdParam } from './params';
import { ListActivitiesQuery, LogActivityDto, TimelineQuery } from './task.dto';
import { parseRelated } from './validators';
import { activityView } from './views';

@ApiTags('activities')
@ApiBearerAuth()
@Controller('activities')
export class ActivitiesController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Log a call, e-mail, meeting or note against a lead, opportunity, account or contact (ActivityLogged)' })
  async log(@Body() dto: LogActivityDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.requireRelatedAccess(actor, { type: dto.related.type, id: dto.related.id.toLowerCase() });
    const result = await this.tasks.logActivity(
      {
        activityType: dto.type,
        related: { type: dto.related.type, id: dto.related.id.toLowerCase() },
        summary: dto.summary.trim(),
        direction: dto.direction,
        occurredAt: new Date(dto.occurredAt).toISOString(),
        durationMinutes: dto.durationMinutes,
      },
      commandContext(actor, undefined, this.tasks.now()),
    );
    reply.header('location', `/activities/${result.activityId}`);
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { ...activityView(result.state), position: result.position };
  }

  @Get()
  @ApiOperation({ summary: 'The communication history, newest first: filter by related record and type; cursor-paginated' })
  async list(@Query() query: ListActivitiesQuery, @CurrentActor() actor: RequestActor) {
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['activities']);
    const page = await this.tasks.queries.activities(actor.tenantId, { related: parseRelated(query.related), type: query.type, limit: query.limit, cursor: decodeCursor(query.cursor), scope: await this.tasks.scopeOf(actor) });
    return { items: page.items.map((item) => activityView(item.state)), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  async get(@Param('id', activityIdParam) id: string, @CurrentActor() actor: RequestActor) {
    return activityView((await this.tasks.getActivityFor(id.toLowerCase(), actor)).state);
  }
}

@ApiTags('activities')
@ApiBearerAuth()
@Controller('timeline')
export class TimelineController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: 'A lead’s or opportunity’s own events, activities and task milestones merged, newest first; cursor-paginated' })
  async timeline(@Query() query: TimelineQuery, @CurrentActor() actor: RequestActor) {
    const related = parseRelated(query.related);
    if (!related) throw new BadRequestException('related must be lead:{id}, opportunity:{id}, account:{id} or contact:{id}');
    await this.tasks.requireRelatedAccess(actor, related, 'not_found');
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['tasks', 'activities', 'related-records']);
    const limit = query.limit ?? 100;
    const entries = timelineAfter(await this.tasks.timeline(actor.tenantId, related), decodeCursor(query.cursor));
    const page = entries.slice(0, limit);
    const last = page[page.length - 1];
    return {
      related,
      items: page.map(({ key: _key, ...entry }) => entry),
      nextCursor: entries.length > limit && last ? encodeCursor([last.at, last.key]) : null,
    };
  }
}

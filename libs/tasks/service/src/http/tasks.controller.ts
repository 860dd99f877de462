import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, decodeCursor, encodeCursor, etag, historyEntry, RequestActor } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { TaskResult, TasksService } from '../tasks.service';
import { taskIdParam } from './params';
import { CancelTaskDto, CompleteTaskDto, CreateTaskDto, ListTasksQuery, ReassignTaskDto, UpdateTaskDto } from './task.dto';
import { parseRelated } from './validators';
import { taskView } from './views';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a task; without an assignee the related record’s owner gets it, else the assignment rules choose' })
  async create(@Body() dto: CreateTaskDto, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.requireRelatedAccess(actor, { type: dto.related.type, id: dto.related.id.toLowerCase() });
    const context = commandContext(actor, undefined, this.tasks.now());
    const result = await this.tasks.createTask(
      {
        title: dto.title.trim(),
        taskType: dto.type,
        assigneeId: dto.assigneeId,
        related: { type: dto.related.type, id: dto.related.id.toLowerCase() },
        dueAt: new Date(dto.dueAt).toISOString(),
        priority: dto.priority,
        notes: dto.notes?.trim(),
      },
      context,
    );
    reply.header('location', `/tasks/${result.taskId}`);
    return this.respond(reply, result);
  }

  @Get()
  @ApiOperation({ summary: 'List tasks by due date: filter by assignee, status, overdue, related record and due date; cursor-paginated' })
  async list(@Query() query: ListTasksQuery, @CurrentActor() actor: RequestActor) {
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['tasks']);
    const now = this.tasks.now().toISOString();
    const page = await this.tasks.queries.tasks(
      actor.tenantId,
      {
        assigneeId: query.assigneeId,
        status: query.status,
        overdue: query.overdue === undefined ? undefined : query.overdue === 'true',
        related: parseRelated(query.related),
        dueBefore: query.dueBefore,
        limit: query.limit,
        cursor: decodeCursor(query.cursor),
        scope: await this.tasks.scopeOf(actor),
      },
      now,
    );
    return { items: page.items.map((item) => taskView(item.state, item.revision, now)), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  async get(@Param('id', taskIdParam) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.tasks.getTaskFor(id.toLowerCase(), actor);
    reply.header('etag', etag(revision));
    return taskView(state, revision, this.tasks.now().toISOString());
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The task’s events in order, with who did what and when' })
  async history(@Param('id', taskIdParam) id: string, @CurrentActor() actor: RequestActor) {
    const { events } = await this.tasks.getTaskFor(id.toLowerCase(), actor);
    return { taskId: id.toLowerCase(), events: events.map(historyEntry) };
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete an open task; TaskCompleted says whether on time' })
  async complete(@Param('id', taskIdParam) id: string, @Body() dto: CompleteTaskDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.getTaskFor(id.toLowerCase(), actor);
    return this.respond(reply, await this.tasks.completeTask(id.toLowerCase(), dto.outcome?.trim(), commandContext(actor, ifMatch, this.tasks.now())));
  }

  @Post(':id/reassign')
  @HttpCode(200)
  async reassign(@Param('id', taskIdParam) id: string, @Body() dto: ReassignTaskDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.getTaskFor(id.toLowerCase(), actor);
    return this.respond(reply, await this.tasks.reassignTask(id.toLowerCase(), dto.assigneeId, commandContext(actor, ifMatch, this.tasks.now())));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', taskIdParam) id: string, @Body() dto: CancelTaskDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.getTaskFor(id.toLowerCase(), actor);
    return this.respond(reply, await this.tasks.cancelTask(id.toLowerCase(), dto.reason.trim(), commandContext(actor, ifMatch, this.tasks.now())));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the due date, priority or title of an open task' })
  async update(@Param('id', taskIdParam) id: string, @Body() dto: UpdateTaskDto, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.tasks.getTaskFor(id.toLowerCase(), actor);
    const changes = {
      ...(dto.dueAt !== undefined ? { dueAt: new Date(dto.dueAt).toISOString() } : {}),
      ...(dto.priority !== undefined ? { priority: dto.priority } : {}),
      ...(dto.title !== undefined ? { title: dto.title.trim() } : {}),
    };
    return this.respond(reply, await this.tasks.updateTask(id.toLowerCase(), changes, commandContext(actor, ifMatch, this.tasks.now())));
  }

  private respond(reply: FastifyReply, result: TaskResult) {
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { ...taskView(result.state, result.revision, this.tasks.now().toISOString()), position: result.position };
  }
}

import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { commandContext, CurrentActor, decodeCursor, encodeCursor, etag, RequestActor, requireRole } from '@crm/platform';
import type { FastifyReply } from 'fastify';
import { TasksService } from '../tasks.service';
import { MemberIdPipe } from './params';
import { ListTeamQuery, UpsertTeamMemberDto } from './task.dto';
import { teamMemberView } from './views';

@ApiTags('team')
@ApiBearerAuth()
@Controller('team/members')
export class TeamController {
  constructor(private readonly tasks: TasksService) {}

  @Put(':id')
  @ApiOperation({ summary: 'Add or replace a team member (201 when added); emits TeamMemberUpserted for lead routing and analytics' })
  async upsert(
    @Param('id', new MemberIdPipe()) id: string,
    @Body() dto: UpsertTeamMemberDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    requireRole(actor, ['admin', 'manager', 'integration'], 'change the team directory');
    const result = await this.tasks.upsertMember(
      {
        memberId: id,
        name: dto.name.trim(),
        email: dto.email.trim(),
        role: dto.role,
        ...(dto.managerId !== undefined ? { managerId: dto.managerId } : {}),
        ...(dto.region !== undefined ? { region: dto.region.trim() } : {}),
        ...(dto.teamId !== undefined ? { teamId: dto.teamId } : {}),
        productLines: (dto.productLines ?? []).map((line) => line.trim()),
        ...(dto.capacity !== undefined ? { capacity: dto.capacity } : {}),
        active: dto.active,
      },
      commandContext(actor, ifMatch, this.tasks.now()),
    );
    reply.status(result.created ? 201 : 200);
    if (result.created) reply.header('location', `/team/members/${encodeURIComponent(id)}`);
    reply.header('etag', etag(result.revision));
    if (result.position !== null) reply.header('x-event-position', String(result.position));
    return { ...teamMemberView(result.state, result.revision), position: result.position };
  }

  @Get()
  @ApiOperation({ summary: 'The team directory with each member’s open tasks; filter by role, active, region; cursor-paginated' })
  async list(@Query() query: ListTeamQuery, @CurrentActor() actor: RequestActor) {
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['team']);
    const page = await this.tasks.queries.members(actor.tenantId, {
      role: query.role,
      active: query.active === undefined ? undefined : query.active === 'true',
      region: query.region,
      limit: query.limit,
      cursor: decodeCursor(query.cursor),
    });
    return {
      items: page.items.map(({ memberId, ...member }) => ({ id: memberId, ...member })),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    };
  }

  @Get(':id')
  async get(@Param('id', new MemberIdPipe()) id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.tasks.getMember(id, actor.tenantId);
    reply.header('etag', etag(revision));
    return teamMemberView(state, revision);
  }
}

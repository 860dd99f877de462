import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandRejected } from '@crm/event-sourcing';
import { CurrentActor, decodeCursor, encodeCursor, RequestActor, RequestValidationFailed } from '@crm/platform';
import { TasksService } from '../tasks.service';
import { timelineAfter } from '../timeline';
import { AccountSummaryQuery, AccountTimelineQuery } from './task.dto';

/** A malformed account id names no account: 404, as the leads service answers for `GET /accounts/{id}`. */
const accountIdParam = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'account-not-found', 'no such account') });

/**
 * The account's timeline and summary. Accounts are the leads context's; these two reads are the
 * tasks context's, which owns activities and tasks and keeps a read model of the account's leads,
 * contacts and opportunities from the leads and opportunities topics (see the README).
 */
@ApiTags('accounts')
@ApiBearerAuth()
@Controller('accounts')
export class AccountReadsController {
  constructor(private readonly tasks: TasksService) {}

  @Get(':id/timeline')
  @ApiOperation({ summary: 'Every event, activity and task milestone of the account, its contacts, leads and opportunities, newest first; cursor-paginated' })
  async timeline(@Param('id', accountIdParam) id: string, @Query() query: AccountTimelineQuery, @CurrentActor() actor: RequestActor) {
    const cursor = timelineCursor(query.cursor);
    // Only for whoever may see the account (its owner's scope); otherwise as if there were none.
    await this.tasks.requireRelatedAccess(actor, { type: 'account', id: id.toLowerCase() }, 'not_found');
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['tasks', 'activities', 'related-records', 'customers']);
    const accountId = id.toLowerCase();
    // Record access: the account's owner's (another owner's account answers as a missing one).
    await this.tasks.requireRelatedAccess(actor, { type: 'account', id: accountId }, 'not_found');
    const limit = query.limit ?? 100;
    const entries = timelineAfter(await this.tasks.accountTimeline(actor.tenantId, accountId), cursor);
    const page = entries.slice(0, limit);
    const last = page[page.length - 1];
    return {
      accountId,
      items: page.map(({ key: _key, ...entry }) => entry),
      nextCursor: entries.length > limit && last ? encodeCursor([last.at, last.key]) : null,
    };
  }

  @Get(':id/summary')
  @ApiOperation({ summary: 'Open pipeline (per currency), won revenue (lifetime, last 12 months), win rate, last activity, next open task and owner of the account' })
  async summary(@Param('id', accountIdParam) id: string, @Query() query: AccountSummaryQuery, @CurrentActor() actor: RequestActor) {
    if (query.minPosition) await this.tasks.caughtUp(Number(query.minPosition), ['tasks', 'activities', 'related-records', 'customers']);
    await this.tasks.requireRelatedAccess(actor, { type: 'account', id: id.toLowerCase() }, 'not_found');
    await this.tasks.requireRelatedAccess(actor, { type: 'account', id: id.toLowerCase() }, 'not_found');
    return this.tasks.accountSummary(actor.tenantId, id.toLowerCase());
  }
}

/** A cursor this API returned: `[at, key]` of the last entry of a page. Anything else is a 400. */
const timelineCursor = (raw: string | undefined): unknown[] | undefined => {
  const cursor = decodeCursor(raw);
  if (!cursor) return undefined;
  const [at, key] = cursor;
  if (cursor.length !== 2 || typeof at !== 'string' || !Number.isFinite(Date.parse(at)) || typeof key !== 'string' || !/^[eat]:\S{1,200}$/.test(key)) {
    throw new RequestValidationFailed([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
  }
  return cursor;
};

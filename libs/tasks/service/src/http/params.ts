import { ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { CommandRejected } from '@crm/event-sourcing';
import { RequestValidationFailed } from '@crm/platform';
import { memberIdPattern } from './validators';

/** A malformed task id names no task: 404, as for a well-formed unknown one. */
export const taskIdParam = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'task-not-found', 'no such task') });
export const activityIdParam = new ParseUUIDPipe({ exceptionFactory: () => new CommandRejected('not_found', 'activity-not-found', 'no such activity') });

/** Member ids are chosen by the client in `PUT /team/members/{id}`: a malformed one is a bad request. */
export class MemberIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!memberIdPattern.test(value)) throw new RequestValidationFailed([{ field: 'id', messages: ['id must be a team member id: a letter or digit, then up to 63 of letters, digits and ._:@-'] }]);
    return value;
  }
}

import { BadRequestException, NotFoundException, ValidationError } from '@nestjs/common';
import { CommandRejected, WrongExpectedRevisionError } from '@crm/event-sourcing';
import { flattenValidationErrors, ProblemDetailsFilter, RequestValidationFailed } from './problem-details';

const filter = new ProblemDetailsFilter();
const problem = (error: unknown, headers: Record<string, string> = {}) => filter.toProblem(error, { url: '/x', headers });

describe('problem details mapping', () => {
  it('lists field errors with nested paths', () => {
    const nested: ValidationError[] = [
      { property: 'email', constraints: { isEmail: 'email must be an email' }, children: [] },
      {
        property: 'related',
        children: [{ property: 'id', constraints: { isUuid: 'id must be a UUID', isNotEmpty: 'id should not be empty' }, children: [] }],
      },
      { property: 'items', children: [{ property: '2', children: [{ property: 'qty', constraints: { min: 'qty must not be less than 1' } }] }] },
    ];
    const fields = flattenValidationErrors(nested);
    expect(fields).toEqual([
      { field: 'email', messages: ['email must be an email'] },
      { field: 'related.id', messages: ['id must be a UUID', 'id should not be empty'] },
      { field: 'items[2].qty', messages: ['qty must not be less than 1'] },
    ]);
    expect(problem(new RequestValidationFailed(fields))).toMatchObject({ status: 400, title: 'Request validation failed', errors: fields });
  });

  it('maps domain rejections by kind and keeps their details', () => {
    expect(problem(new CommandRejected('conflict', 'illegal-transition', 'cannot qualify a converted lead', { currentStatus: 'converted' }))).toMatchObject({
      status: 409,
      code: 'illegal-transition',
      currentStatus: 'converted',
    });
    expect(problem(new CommandRejected('not_found', 'lead-not-found', 'no such lead')).status).toBe(404);
    expect(problem(new CommandRejected('invalid', 'bad', 'bad')).status).toBe(422);
    expect(problem(new CommandRejected('forbidden', 'no', 'no')).status).toBe(403);
  });

  it('answers a revision conflict with 412 when the client sent If-Match, else 409', () => {
    const conflict = new WrongExpectedRevisionError('lead-1', 3, 4);
    expect(problem(conflict, { 'if-match': '"3"' })).toMatchObject({ status: 412, currentRevision: 4 });
    expect(problem(conflict)).toMatchObject({ status: 409, currentRevision: 4 });
  });

  it('keeps HTTP exceptions and Fastify client errors, hides unexpected ones', () => {
    expect(problem(new NotFoundException('Cannot GET /y'))).toMatchObject({ status: 404, title: 'Not found', detail: 'Cannot GET /y' });
    expect(problem(new BadRequestException(['a', 'b']))).toMatchObject({ status: 400, detail: 'a; b' });
    expect(problem(Object.assign(new Error('Body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }))).toMatchObject({ status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const hidden = problem(new Error('secret connection string postgres://u:p@h'));
    expect(hidden).toEqual({ type: expect.stringContaining('internal'), title: 'Internal server error', status: 500 });
  });
});

import { ExpectedRevision } from './event-store';

/** Optimistic-concurrency conflict: the stream was not at the revision the writer expected. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at revision ${actual}, expected ${String(expected)}`);
  }
}

/** Some but not all event ids of an append were stored before, or stored in another stream. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventIds: string[]) {
    super(`event ids already stored elsewhere: ${eventIds.join(', ')}`);
  }
}

export type RejectionKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden';

/**
 * A command the domain refused. Deciders throw it; the HTTP layer maps `kind` to a status
 * (invalid 400/422, not_found 404, conflict 409, forbidden 403) and `details` into the problem body.
 */
export class CommandRejected extends Error {
  override readonly name = 'CommandRejected';
  constructor(
    readonly kind: RejectionKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

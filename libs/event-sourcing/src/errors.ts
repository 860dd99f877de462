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

/**
 * Whether an error says the infrastructure is unavailable for now (the database restarting or
 * unreachable, a dropped connection) rather than that this event cannot be applied. Consumers
 * keep retrying such errors instead of counting them towards dead-lettering: a PostgreSQL restart
 * must not park valid events.
 */
export const isTransientInfrastructureError = (error: unknown): boolean => {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    // PostgreSQL: connection exceptions (08xxx), shutting down / cannot connect now (57P01-57P03),
    // too many connections (53300); Node sockets.
    if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  }
  const message = (error as Error)?.message ?? '';
  return /Connection terminated|connection timeout|the database system is (shutting down|starting up|in recovery mode)|terminating connection due to administrator command|Client has encountered a connection error/i.test(message);
};

import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { EventEnvelope } from '@crm/contracts';
import { CommandContext, Subscription } from '@crm/event-sourcing';
import { RequestActor } from '../auth/request-context';

/** The event metadata and time of a command made over HTTP. */
export const commandContext = (actor: RequestActor, ifMatch?: string, now: Date = new Date()): CommandContext => ({
  metadata: {
    tenantId: actor.tenantId,
    actor: { id: actor.userId, role: actor.role },
    correlationId: actor.correlationId,
    causationId: actor.correlationId,
    ...(actor.traceparent ? { traceparent: actor.traceparent } : {}),
  },
  now: now.toISOString(),
  expectedRevision: parseIfMatch(ifMatch),
});

/** `If-Match: "3"` (or W/"3", or 3) names the stream revision the client last read. */
export const parseIfMatch = (header: string | undefined): number | undefined => {
  if (header === undefined || header === '') return undefined;
  const match = /^(?:W\/)?"?(-?\d{1,15})"?$/.exec(header.trim());
  if (!match) throw new BadRequestException('If-Match must be an ETag returned by this API, e.g. "3"');
  return Number(match[1]);
};

export const etag = (revision: number): string => `"${revision}"`;

/** Parses `minPosition` (read-your-writes): a position a command returned. */
export const parseMinPosition = (raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new BadRequestException('minPosition must be a non-negative integer');
  return Number(raw);
};

/** Opaque cursors for keyset pagination. */
export const encodeCursor = (values: unknown[]): string => Buffer.from(JSON.stringify(values)).toString('base64url');
export const decodeCursor = (cursor: string | undefined): unknown[] | undefined => {
  if (!cursor) return undefined;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values)) return values;
  } catch {
    // fall through
  }
  throw new BadRequestException('cursor is not one this API returned');
};

/**
 * Read-your-writes: waits until a read model's subscription has applied `minPosition` (a position a
 * command returned). Past the time limit the answer is 503 with Retry-After, never stale data.
 */
export const awaitPosition = async (subscription: Subscription | undefined, minPosition: string | number | undefined, timeoutMs = 10_000): Promise<void> => {
  const position = typeof minPosition === 'string' ? parseMinPosition(minPosition) : minPosition;
  if (position === undefined || !subscription) return;
  try {
    await subscription.waitFor(position, timeoutMs);
  } catch {
    throw new ServiceUnavailableException({ message: `the read model has not reached position ${position} yet; retry shortly`, retryAfterSeconds: 1, position: subscription.position });
  }
};

/** One entry of a record's history (`GET …/{id}/history`): who did what, when, and what it said. */
export const historyEntry = (event: EventEnvelope) => ({
  eventId: event.id,
  type: event.type,
  schemaVersion: event.schemaVersion,
  revision: event.revision,
  position: event.globalPosition,
  occurredAt: event.occurredAt,
  recordedAt: event.recordedAt,
  actor: event.metadata.actor,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.causationId,
  ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
  ...(event.hash ? { hash: event.hash } : {}),
  data: event.data,
});

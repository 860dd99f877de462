import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ActorRole } from '@crm/contracts';
import { randomUUID } from 'node:crypto';
import { CommandRejected } from '@crm/event-sourcing';

/** Who is asking, resolved from the bearer token by the auth guard. */
export type RequestActor = {
  tenantId: string;
  userId: string;
  roles: ActorRole[];
  /** The role events record: the most privileged one the token holds. */
  role: ActorRole;
  correlationId: string;
  /** W3C trace context of the request (`traceparent` header), carried into the events it causes. */
  traceparent?: string;
};

/** A W3C `traceparent` (version 00) with a non-zero trace and parent id; anything else is ignored. */
export const validTraceparent = (header: string | undefined): string | undefined =>
  header && /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/.test(header) ? header : undefined;

export const IS_PUBLIC = 'crm:isPublic';
/** Marks a route that needs no token (health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

type RequestWithActor = { actor?: RequestActor; headers: Record<string, string | string[] | undefined> };

export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): RequestActor => {
  const request = context.switchToHttp().getRequest<RequestWithActor>();
  if (!request.actor) throw new Error('no actor on the request: route is public or the guard did not run');
  return request.actor;
});

const rolePrecedence: ActorRole[] = ['admin', 'integration', 'manager', 'rep'];
const knownRoles = new Set<string>(rolePrecedence);

export const actorFromClaims = (claims: { sub: string; tenant: string; roles: string[] }, correlationHeader: string | undefined, traceparentHeader?: string): RequestActor => {
  const roles = claims.roles.filter((role): role is ActorRole => knownRoles.has(role));
  const role = rolePrecedence.find((candidate) => roles.includes(candidate));
  if (!role) throw new Error('no known role');
  const correlationId = correlationHeader && /^[\w.:-]{1,128}$/.test(correlationHeader) ? correlationHeader : randomUUID();
  const traceparent = validTraceparent(traceparentHeader);
  return { tenantId: claims.tenant, userId: claims.sub, roles, role, correlationId, ...(traceparent ? { traceparent } : {}) };
};

/** Backdating a record's creation (`occurredAt` on imports) is for admins and integrations only: 403 otherwise. */
export const assertMayBackdate = (actor: RequestActor, occurredAt: string | undefined): void => {
  if (occurredAt === undefined) return;
  if (!actor.roles.some((role) => role === 'admin' || role === 'integration')) {
    throw new CommandRejected('forbidden', 'backdating-not-allowed', 'only the admin and integration roles may set occurredAt', { field: 'occurredAt' });
  }
};

/** Settings and cross-context reads belong to some roles only: 403 for the others. */
export const requireRole = (actor: RequestActor, allowed: readonly ActorRole[], action: string): void => {
  if (!actor.roles.some((role) => allowed.includes(role))) {
    throw new CommandRejected('forbidden', 'forbidden', `only ${allowed.join(', ')} may ${action}`, { requiredRoles: allowed });
  }
};

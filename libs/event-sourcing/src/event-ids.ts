import { Actor, EventEnvelope, EventMetadata } from '@crm/contracts';
import { createHash } from 'node:crypto';
import { activeConsumerSpan, formatTraceparent } from './tracing';

/** A stable UUID derived from another id, so that a redelivered trigger produces the same event id. */
export const derivedEventId = (sourceId: string, purpose: string): string => {
  const hex = createHash('sha256').update(`${sourceId}/${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/**
 * The metadata of an event a policy appends because of `trigger`: same tenant and correlation,
 * caused by the trigger, and in the trigger's trace (a child span whose id derives from the trigger
 * and `purpose`, so a redelivery continues the trace identically). When tracing is on, the parent
 * is instead the consumer span handling the trigger, so the exported trace links the follow-up to it.
 */
export const metadataCausedBy = (trigger: EventEnvelope, actor: Actor, purpose: string): EventMetadata => {
  const consumerSpan = activeConsumerSpan(trigger.id);
  if (consumerSpan) {
    return { tenantId: trigger.metadata.tenantId, actor, correlationId: trigger.metadata.correlationId, causationId: trigger.id, traceparent: formatTraceparent(consumerSpan.spanContext()) };
  }
  const parent = trigger.metadata.traceparent;
  const match = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  const span = createHash('sha256').update(`${trigger.id}/${purpose}/span`).digest('hex').slice(0, 16);
  return {
    tenantId: trigger.metadata.tenantId,
    actor,
    correlationId: trigger.metadata.correlationId,
    causationId: trigger.id,
    ...(match ? { traceparent: `00-${match[1]}-${span === '0'.repeat(16) ? '0000000000000001' : span}-${match[2]}` } : {}),
  };
};

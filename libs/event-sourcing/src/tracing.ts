import { Context, context, createContextKey, ROOT_CONTEXT, Span, SpanContext, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { EventEnvelope } from '@crm/contracts';

// OpenTelemetry spans of the event flow, through the API only: without an SDK registered (the
// default, tracing off) every tracer is a no-op, nothing is recorded and event metadata is left as
// it came. The process that wants traces registers an SDK (see @crm/platform, OTEL_TRACES_EXPORTER).

export const tracer = () => trace.getTracer('crm');

const traceparentPattern = /^00-((?!0{32})[0-9a-f]{32})-((?!0{16})[0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` names (as a remote parent), or undefined when it is absent or malformed. */
export const parseTraceparent = (traceparent: string | undefined): SpanContext | undefined => {
  const match = traceparent ? traceparentPattern.exec(traceparent) : null;
  return match ? { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16) & TraceFlags.SAMPLED, isRemote: true } : undefined;
};

export const formatTraceparent = (span: SpanContext): string => `00-${span.traceId}-${span.spanId}-0${span.traceFlags & TraceFlags.SAMPLED}`;

/** A context whose parent span is the one `traceparent` names; a new trace when there is none. */
export const contextOfTraceparent = (traceparent: string | undefined, fallback: Context = ROOT_CONTEXT): Context => {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : fallback;
};

/** The `traceparent` of a span that records (tracing is on), else undefined. */
export const recordedTraceparent = (span: Span): string | undefined => (span.isRecording() ? formatTraceparent(span.spanContext()) : undefined);

const endWith = (span: Span, error?: unknown) => {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
  }
  span.end();
};

/** Runs `run` inside `span` (the active span of what it starts) and ends the span with its outcome. */
export const inSpan = async <T>(span: Span, run: () => Promise<T>, parent: Context = context.active()): Promise<T> => {
  if (!span.isRecording()) return run();
  try {
    const result = await context.with(trace.setSpan(parent, span), run);
    endWith(span);
    return result;
  } catch (error) {
    endWith(span, error);
    throw error;
  }
};

const consumerSpansKey = createContextKey('crm.consumer-spans');

/**
 * Runs a consumer's handler for a batch of events with one CONSUMER span per event, each the child
 * of the span that produced it (`parentOf`: the event's metadata, or a Kafka header). A policy that
 * appends because of one of these events continues its trace from this span (`metadataCausedBy`).
 */
export const withConsumerSpans = async <T>(
  consumer: string,
  events: readonly EventEnvelope[],
  run: () => Promise<T>,
  parentOf: (event: EventEnvelope) => string | undefined = (event) => event.metadata.traceparent,
): Promise<T> => {
  if (events.length === 0) return run();
  const spans = events.map((event) =>
    tracer().startSpan(
      `${consumer} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.operation.type': 'process',
          'messaging.consumer.group.name': consumer,
          'messaging.message.id': event.id,
          'crm.event.type': event.type,
          'crm.stream.id': event.streamId,
          'crm.event.position': event.globalPosition,
        },
      },
      contextOfTraceparent(parentOf(event)),
    ),
  );
  if (!spans[0].isRecording()) return run();
  let active = context.active().setValue(consumerSpansKey, new Map(events.map((event, index) => [event.id, spans[index]])));
  if (spans.length === 1) active = trace.setSpan(active, spans[0]);
  try {
    const result = await context.with(active, run);
    for (const span of spans) endWith(span);
    return result;
  } catch (error) {
    for (const span of spans) endWith(span, error);
    throw error;
  }
};

/** The consumer span handling `eventId` right now, when tracing is on. */
export const activeConsumerSpan = (eventId: string): Span | undefined => {
  const spans = context.active().getValue(consumerSpansKey) as Map<string, Span> | undefined;
  const span = spans?.get(eventId);
  return span?.isRecording() ? span : undefined;
};

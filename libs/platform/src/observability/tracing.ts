import { contextOfTraceparent, EventStore, inSpan, recordedTraceparent, tracer } from '@crm/event-sourcing';
import { context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RuntimeConfig } from '../config';

export type Tracing = {
  readonly enabled: boolean;
  /** Exports what is still buffered and stops; a no-op when tracing is off. */
  shutdown: () => Promise<void>;
};

/**
 * Registers the OpenTelemetry SDK when OTEL_TRACES_EXPORTER asks for an exporter. With `none` (the
 * default) nothing is registered: the API's tracers stay no-ops, no span is recorded or exported,
 * and events carry the caller's `traceparent` unchanged.
 */
export const startTracing = (config: Pick<RuntimeConfig, 'tracesExporter' | 'otlpTracesEndpoint' | 'otelServiceName'>, processName: string): Tracing => {
  if (config.tracesExporter === 'none') return { enabled: false, shutdown: async () => undefined };
  const processor: SpanProcessor =
    config.tracesExporter === 'otlp'
      ? // Batches in the background (OTEL_BSP_* tune it); a collector that is down costs dropped spans, not requests.
        new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlpTracesEndpoint }))
      : new SimpleSpanProcessor(new ConsoleSpanExporter());
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.otelServiceName ?? processName }), spanProcessors: [processor] });
  // Global tracer provider, AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return {
    enabled: true,
    shutdown: async () => {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
    },
  };
};

type Traced = { otelSpan?: Span; traceparent?: string };

/**
 * A SERVER span per HTTP request (not for health probes and metric scrapes), continuing the
 * caller's `traceparent`. Its context goes on the request, where the auth guard picks it up for
 * the events the request appends.
 */
export const traceHttpRequests = (app: NestFastifyApplication): void => {
  const fastify = app.getHttpAdapter().getInstance();
  const untraced = (route: string) => route.startsWith('/health') || route === '/metrics';
  fastify.addHook('onRequest', async (plain) => {
    const request = plain as typeof plain & Traced;
    const route = request.routeOptions?.url;
    if (route && untraced(route)) return;
    const header = request.headers.traceparent;
    const span = tracer().startSpan(
      `${request.method} ${route ?? ''}`.trim(),
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: request.url.split('?')[0], ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) } },
      contextOfTraceparent(typeof header === 'string' ? header : undefined),
    );
    request.otelSpan = span;
    request.traceparent = recordedTraceparent(span);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const span = (request as Traced).otelSpan;
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
};

/** Adds a span around every append (a child of the command's span, or of the events' own trace). */
export const traceStore = <Store extends EventStore>(store: Store): Store => {
  const appendToStream: EventStore['appendToStream'] = (streamId, events, options) => {
    const active = trace.getSpan(context.active());
    const span = tracer().startSpan(
      'append',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'crm.event-store', 'db.operation.name': 'append', 'crm.stream.id': streamId, 'crm.event.count': events.length } },
      active ? context.active() : contextOfTraceparent(events[0]?.metadata.traceparent, context.active()),
    );
    return inSpan(span, () => store.appendToStream(streamId, events, options));
  };
  return new Proxy(store, {
    get: (target, property, receiver) => {
      if (property === 'appendToStream') return appendToStream;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};

import { RunningApp, startEmbeddedApp } from '@crm/testing';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

// OpenTelemetry export, as a collector sees it: a tiny real OTLP/HTTP (JSON) endpoint in this
// process receives what the embedded app exports, and the spans must form one trace from the
// HTTP request through the command and its events to the consumers and their follow-up events.

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
};
type ExportRequest = {
  resourceSpans: Array<{ resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
};

const SERVER = 2;
const CONSUMER = 5;

type Collector = { url: string; requests: ExportRequest[]; spans: () => OtlpSpan[]; close: () => Promise<void> };

const startCollector = async (): Promise<Collector> => {
  const requests: ExportRequest[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') requests.push(JSON.parse(body) as ExportRequest);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    spans: () => requests.flatMap((request) => request.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

const waitFor = async <T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const spanIdOf = (traceparent: string | undefined) => /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(traceparent ?? '')?.[1];

type AuditItem = { eventId: string; type: string; traceparent?: string };

describe('OpenTelemetry export (embedded app, OTLP/HTTP to an in-process collector)', () => {
  let collector: Collector;
  let app: RunningApp;
  beforeAll(async () => {
    collector = await startCollector();
    app = await startEmbeddedApp({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'crm-under-test', OTEL_BSP_SCHEDULE_DELAY: '100' });
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
    await collector.close();
  });

  const audited = async (stream: string, position: number) => ((await app.request('GET', `/audit?stream=${stream}&minPosition=${position}`)).body as { items: AuditItem[] }).items;

  it('exports one trace from the request through the command and its event to the consumers and their follow-up events', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    const traceparent = `00-${traceId}-${callerSpan}-01`;
    const captured = await app.request('POST', '/leads', { name: 'Traced Lead', email: 'otel@example.com', source: 'web' }, { traceparent });
    expect(captured.status).toBe(201);
    const { id: leadId, position } = captured.body as { id: string; position: number };
    const leadCaptured = (await audited(`lead-${leadId}`, position)).find((item) => item.type === 'LeadCaptured');
    const spans = () => collector.spans().filter((span) => span.traceId === traceId);

    // The server span continues the caller's trace; the command's span is its child, and is what the event records.
    const server = await waitFor(() => spans().find((span) => span.kind === SERVER && span.name === 'POST /leads'), 'the HTTP server span');
    expect(server).toMatchObject({ parentSpanId: callerSpan });
    expect(attribute(server, 'http.response.status_code')).toBe(201);
    const command = await waitFor(() => spans().find((span) => span.parentSpanId === server.spanId && span.name === 'handle lead'), 'the command span');
    expect(leadCaptured?.traceparent).toBe(`00-${traceId}-${command.spanId}-01`);
    const append = await waitFor(() => spans().find((span) => span.name === 'append' && attribute(span, 'crm.stream.id') === `lead-${leadId}`), 'the append span');
    expect(append.parentSpanId).toBe(command.spanId);

    // A downstream consumer (the analytics projector, through the embedded event bus) handled it in a CONSUMER span under the command.
    const consumed = await waitFor(
      () => spans().find((span) => span.kind === CONSUMER && span.name === 'analytics.projector process' && attribute(span, 'messaging.message.id') === leadCaptured?.eventId),
      'the analytics projector consumer span',
    );
    expect(consumed.parentSpanId).toBe(command.spanId);
    expect(attribute(consumed, 'crm.event.type')).toBe('LeadCaptured');

    // Follow-up events continue the trace: converting the lead opens a deal from the consumer span of LeadConverted.
    expect((await app.request('POST', `/leads/${leadId}/assign`, { ownerId: 'rep-otel' }, { traceparent })).status).toBe(200);
    expect((await app.request('POST', `/leads/${leadId}/qualify`, undefined, { traceparent })).status).toBe(200);
    const converted = await app.request('POST', `/leads/${leadId}/convert`, { amount: '500.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2030-01-31' }, { traceparent });
    expect(converted.status).toBe(201);
    const { opportunityId, position: convertedAt } = converted.body as { opportunityId: string; position: number };
    const leadConverted = (await audited(`lead-${leadId}`, convertedAt)).find((item) => item.type === 'LeadConverted');
    const openedItem = await (async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = (await audited(`opportunity-${opportunityId}`, convertedAt)).find((item) => item.type === 'OpportunityOpened');
        if (found || Date.now() > deadline) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    expect(openedItem?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Walk up from the span OpportunityOpened records to the root: it descends from the consumer
    // span of LeadConverted, which descends from the convert request.
    const ancestry = await waitFor(() => {
      const byId = new Map(spans().map((span) => [span.spanId, span]));
      const chain: OtlpSpan[] = [];
      for (let id = spanIdOf(openedItem?.traceparent); id && id !== callerSpan; id = byId.get(id)?.parentSpanId) {
        const span = byId.get(id);
        if (!span) return undefined;
        chain.push(span);
      }
      return chain;
    }, 'the spans above OpportunityOpened');
    const conversionConsumer = ancestry.find((span) => span.kind === CONSUMER && span.name === 'opportunities.lead-conversions process');
    expect(conversionConsumer && attribute(conversionConsumer, 'messaging.message.id')).toBe(leadConverted?.eventId);
    expect(ancestry.at(-1)).toMatchObject({ kind: SERVER, name: 'POST /leads/:id/convert', parentSpanId: callerSpan });

    // Health probes and metric scrapes are not traced; the resource names the service.
    await fetch(`${app.url}/health/live`);
    expect(collector.spans().some((span) => String(attribute(span, 'url.path')).startsWith('/health'))).toBe(false);
    const resource = collector.requests[0].resourceSpans[0].resource?.attributes?.find((entry) => entry.key === 'service.name');
    expect(resource?.value.stringValue).toBe('crm-under-test');
  });
});

describe('OpenTelemetry export off (the default)', () => {
  it('exports nothing, and the events carry the caller’s trace context unchanged', async () => {
    const collector = await startCollector();
    // The endpoint is set, the exporter is not: nothing may reach it.
    const app = await startEmbeddedApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
    try {
      const traceparent = '00-1bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const captured = await app.request('POST', '/leads', { name: 'Untraced Lead', email: 'untraced@example.com', source: 'web' }, { traceparent });
      expect(captured.status).toBe(201);
      const { id, position } = captured.body as { id: string; position: number };
      const items = ((await app.request('GET', `/audit?stream=lead-${id}&minPosition=${position}`)).body as { items: AuditItem[] }).items;
      expect(items.find((item) => item.type === 'LeadCaptured')?.traceparent).toBe(traceparent);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      // Stopping flushes whatever an SDK would have buffered: still nothing.
      expect(await app.stop()).toBe(0);
      await collector.close();
    }
    expect(collector.requests).toEqual([]);
  }, 90_000);
});

import { EventEnvelope } from '@crm/contracts';
import { SpanKind, trace, context } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { metadataCausedBy } from './event-ids';
import { formatTraceparent, parseTraceparent, withConsumerSpans } from './tracing';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const event = (id: string, parentSpan: string): EventEnvelope => ({
  id,
  type: 'LeadConverted',
  schemaVersion: 1,
  streamId: 'lead-1',
  revision: 0,
  globalPosition: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  metadata: { tenantId: 't', actor: { id: 'u', role: 'rep' }, correlationId: 'c', causationId: 'c', traceparent: `00-${traceId}-${parentSpan}-01` },
  data: {},
});

describe('traceparent', () => {
  it('parses a valid W3C traceparent and formats it back; refuses zero ids and other shapes', () => {
    const parsed = parseTraceparent(`00-${traceId}-00f067aa0ba902b7-01`);
    expect(parsed).toEqual({ traceId, spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(parsed && formatTraceparent(parsed)).toBe(`00-${traceId}-00f067aa0ba902b7-01`);
    for (const bad of [undefined, '', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-${traceId}-${'0'.repeat(16)}-01`, `01-${traceId}-00f067aa0ba902b7-01`, 'garbage']) {
      expect([bad, parseTraceparent(bad)]).toEqual([bad, undefined]);
    }
  });
});

describe('consumer spans', () => {
  it('without an SDK: records nothing, and follow-ups keep the derived span id', async () => {
    const trigger = event('11111111-1111-4111-8111-111111111111', '00f067aa0ba902b7');
    const outside = metadataCausedBy(trigger, { id: 'p', role: 'system' }, 'x').traceparent;
    const inside = await withConsumerSpans('policy', [trigger], async () => metadataCausedBy(trigger, { id: 'p', role: 'system' }, 'x').traceparent);
    expect(inside).toBe(outside);
    expect(inside).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  describe('with an SDK', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    beforeAll(() => provider.register());
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    });

    it('opens one CONSUMER span per event under the span the event names, and follow-ups record it', async () => {
      const first = event('11111111-1111-4111-8111-111111111111', '00f067aa0ba902b7');
      const second = event('22222222-2222-4222-8222-222222222222', '1111111111111111');
      const followUps = await withConsumerSpans('opportunities.lead-conversions', [first, second], async () =>
        [first, second].map((trigger) => metadataCausedBy(trigger, { id: 'p', role: 'system' }, 'open').traceparent),
      );
      const spans = exporter.getFinishedSpans();
      expect(spans.map((span) => [span.name, span.kind, span.parentSpanContext?.spanId, span.attributes['messaging.message.id']])).toEqual([
        ['opportunities.lead-conversions process', SpanKind.CONSUMER, '00f067aa0ba902b7', first.id],
        ['opportunities.lead-conversions process', SpanKind.CONSUMER, '1111111111111111', second.id],
      ]);
      expect(followUps).toEqual(spans.map((span) => `00-${traceId}-${span.spanContext().spanId}-01`));
    });

    it('marks the spans failed when the handler throws, and rethrows', async () => {
      exporter.reset();
      await expect(withConsumerSpans('c', [event('33333333-3333-4333-8333-333333333333', '00f067aa0ba902b7')], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(exporter.getFinishedSpans().map((span) => span.status)).toEqual([{ code: 2, message: 'boom' }]);
    });
  });
});

import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

// Prometheus metrics as a scraper sees them: no token needed, and the figures move with the traffic.

const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
};

describe('metrics (embedded app)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  const scrape = async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('counts requests, commands, appended events and conflicts, and reports subscription lag and dead letters', async () => {
    const before = await scrape();
    const captured = await app.request('POST', '/leads', { name: 'Metric Lead', email: 'metric@example.com', source: 'web' });
    expect(captured.status).toBe(201);
    const id = (captured.body as { id: string }).id;
    expect((await app.request('POST', `/leads/${id}/assign`, { ownerId: 'rep-1' }, { 'if-match': '"0"' })).status).toBe(412);
    expect((await app.request('POST', '/leads', { name: '' })).status).toBe(400);
    const after = await scrape();

    const appended = (text: string) => sample(text, 'crm_events_appended_total', { type: 'LeadCaptured' }) ?? 0;
    expect(appended(after) - appended(before)).toBe(1);
    const conflicts = (text: string) => sample(text, 'crm_optimistic_concurrency_conflicts_total', { kind: 'if-match' }) ?? 0;
    expect(conflicts(after) - conflicts(before)).toBe(1);
    expect(sample(after, 'crm_commands_total', { route: '/leads', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'crm_commands_total', { route: '/leads', outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'crm_http_request_duration_seconds_count', { method: 'POST', route: '/leads', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'crm_event_store_append_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    // Every context's subscriptions report their lag; the embedded app has no dead letters.
    for (const subscription of ['leads.lead-view', 'opportunities.opportunity-view', 'tasks.task-view', 'analytics.projector']) {
      expect([subscription, sample(after, 'crm_subscription_lag_seconds', { subscription })]).toEqual([subscription, expect.any(Number)]);
    }
    expect(after).toContain('# TYPE crm_dead_letters gauge');
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    const health = (await ready.json()) as { status: string; details: Record<string, { status: string; lag?: Record<string, { lagSeconds: number }> }> };
    expect(health.status).toBe('ok');
    expect(health.details).toMatchObject({ database: { status: 'up' }, eventStore: { status: 'up' }, subscriptions: { status: 'up' } });
    expect(health.details.subscriptions.lag?.['analytics.projector']).toEqual({ position: expect.any(Number), lagSeconds: expect.any(Number) });
    expect(health.details).not.toHaveProperty('kafka');
    expect(after).toContain('crm_process_cpu_user_seconds_total'); // the runtime's own: CPU, memory, event loop
  });

  it('rebuilds the analytics read models on request (admins only) and reports the progress on /metrics', async () => {
    let last = 0;
    for (const name of ['Rebuild One', 'Rebuild Two']) {
      const created = await app.request('POST', '/leads', { name, email: `${name.replace(' ', '.').toLowerCase()}@example.com`, source: 'web' });
      expect(created.status).toBe(201);
      last = Math.max(last, (created.body as { position: number }).position);
    }
    const rep = tokenFor(app, { sub: 'rep-rebuild', tenant: 'default', roles: ['rep'] });
    expect((await app.request('POST', '/analytics/rebuild', {}, { authorization: `Bearer ${rep}` })).status).toBe(403);
    const bad = await app.request('POST', '/analytics/rebuild', { source: 'tape' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await app.request('GET', '/analytics/rebuild')).body).toMatchObject({ status: 'idle' });

    // The projector has applied both leads before the figures to compare with are read.
    const kpisBefore = await app.request('GET', `/analytics/kpis?minPosition=${last}`);
    expect(kpisBefore.status).toBe(200);
    const before = await scrape();
    const eventsBefore = sample(before, 'crm_projection_rebuild_events_total', { projection: 'analytics' }) ?? 0;
    const started = await app.request('POST', '/analytics/rebuild', {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', source: 'store' });
    let status: { status: string; applied: number; total: number | null } = started.body as never;
    for (const deadline = Date.now() + 30_000; status.status === 'running' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await app.request('GET', '/analytics/rebuild')).body as typeof status;
    }
    expect(status).toMatchObject({ status: 'done', applied: expect.any(Number), total: expect.any(Number) });
    expect(status.applied).toBeGreaterThanOrEqual(2);

    const after = await scrape();
    expect(sample(after, 'crm_projection_rebuild_progress_ratio', { projection: 'analytics' })).toBe(1);
    expect(sample(after, 'crm_projection_rebuild_running', { projection: 'analytics' })).toBe(0);
    expect(sample(after, 'crm_projection_rebuild_events_estimate', { projection: 'analytics' })).toBe(status.total);
    expect((sample(after, 'crm_projection_rebuild_events_total', { projection: 'analytics' }) ?? 0) - eventsBefore).toBe(status.applied);
    // Replaying rebuilt what the projector had built incrementally.
    expect((await app.request('GET', '/analytics/kpis')).body).toEqual(kpisBefore.body);
  });
});

describe('logs and trace context (embedded app)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('logs requests as JSON with correlation, tenant and actor, and no personal data', async () => {
    const response = await app.request('POST', '/leads', { name: 'Private Person', email: 'private.person@example.com', phone: '+44 20 7946 0000', source: 'web' }, { 'x-correlation-id': 'corr-log-test' });
    expect(response.status).toBe(201);
    await app.request('GET', '/leads?q=Private');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const request = lines.find((line) => line.msg === 'request' && line.correlationId === 'corr-log-test');
    expect(request).toMatchObject({ service: 'crm', method: 'POST', route: '/leads', status: 201, tenant: 'default', actor: { id: 'dev-admin', role: 'admin' } });
    const output = app.output();
    for (const personal of ['Private Person', 'private.person@example.com', '7946', 'q=Private']) expect([personal, output.includes(personal)]).toEqual([personal, false]);
  });

  it('carries the W3C trace context from the request into the events it causes, across contexts', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const lead = (await app.request('POST', '/leads', { name: 'Traced', email: 'traced@example.com', source: 'web' }, { traceparent })).body as { id: string };
    await app.request('POST', `/leads/${lead.id}/assign`, { ownerId: 'rep-1' }, { traceparent });
    await app.request('POST', `/leads/${lead.id}/qualify`, undefined, { traceparent });
    const converted = await app.request('POST', `/leads/${lead.id}/convert`, { amount: '1000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: '2030-01-31' }, { traceparent });
    const { opportunityId, position } = converted.body as { opportunityId: string; position: number };
    type Item = { type: string; traceparent?: string; causationId: string };
    const audited = async (stream: string) => ((await app.request('GET', `/audit?stream=${stream}&minPosition=${position}`)).body as { items: Item[] }).items;
    expect((await audited(`lead-${lead.id}`)).find((item) => item.type === 'LeadConverted')?.traceparent).toBe(traceparent);
    // The opportunities service opened the deal from LeadConverted: same trace, its own span.
    const deadline = Date.now() + 5_000;
    let opened: Item | undefined;
    while (!opened && Date.now() < deadline) {
      opened = (await audited(`opportunity-${opportunityId}`)).find((item) => item.type === 'OpportunityOpened');
      if (!opened) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(opened?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(opened?.traceparent).not.toBe(traceparent);
  });
});

import { RunningApp, startEmbeddedApp } from '@crm/testing';

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
    expect(after).toContain('crm_process_cpu_user_seconds_total'); // the runtime's own: CPU, memory, event loop
  });
});

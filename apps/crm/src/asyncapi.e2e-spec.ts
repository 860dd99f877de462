import { RunningApp, startEmbeddedApp } from '@crm/testing';

// The event catalogue as a subscriber's tooling fetches it: AsyncAPI 3.0, no token needed.

describe('AsyncAPI document (embedded app)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startEmbeddedApp();
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('is served at /asyncapi without a token', async () => {
    const response = await fetch(`${app.url}/asyncapi`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const document = (await response.json()) as { asyncapi: string; channels: Record<string, { address: string; messages: Record<string, unknown> }> };
    expect(document.asyncapi).toBe('3.0.0');
    const leads = Object.values(document.channels).find((channel) => channel.address === 'crm.leads.events');
    expect(leads?.messages).toHaveProperty('LeadCaptured');
    expect(Object.values(document.channels).map((channel) => channel.address)).toContain('crm.leads.events.dlq');
  });
});

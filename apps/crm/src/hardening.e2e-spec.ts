import { RunningApp, startEmbeddedApp, tokenFor as signedToken } from '@crm/testing';

// Security headers, the per-token rate limit, the body-size limit and the answer timeout, on an app
// configured tight enough to reach each of them.

const tokenFor = (app: RunningApp, sub: string) => signedToken(app, { sub, tenant: 'hardening', roles: ['admin'] });

describe('HTTP hardening (embedded app)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startEmbeddedApp({ RATE_LIMIT_PER_MINUTE: '5', BODY_LIMIT_BYTES: '2048', REQUEST_TIMEOUT_MS: '400' });
  }, 90_000);
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('sends security headers on API answers, health and docs', async () => {
    for (const path of ['/health/live', '/docs', '/leads']) {
      const response = await app.request('GET', path, undefined, { authorization: `Bearer ${tokenFor(app, `headers-${path}`)}` });
      expect([path, response.status]).toEqual([path, 200]);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });

  it('limits requests per token, not per server, and never health checks', async () => {
    const first = `Bearer ${tokenFor(app, 'busy-user')}`;
    const statuses: number[] = [];
    for (let request = 0; request < 7; request++) statuses.push((await app.request('GET', '/leads', undefined, { authorization: first })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await app.request('GET', '/leads', undefined, { authorization: first });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect((await app.request('GET', '/leads', undefined, { authorization: `Bearer ${tokenFor(app, 'another-user')}` })).status).toBe(200);
    for (let request = 0; request < 10; request++) expect((await app.request('GET', '/health/ready')).status).toBe(200);
  });

  it('refuses a body over the limit with 413 and appends nothing', async () => {
    const authorization = `Bearer ${tokenFor(app, 'big-body')}`;
    const response = await app.request('POST', '/leads', { name: 'Big', email: 'big@example.com', source: 'web', company: 'x'.repeat(4000) }, { authorization });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await app.request('GET', '/leads?q=big', undefined, { authorization })).body as { items: unknown[] }).items).toEqual([]);
  });

  it('answers 503 with a retry hint when a request takes longer than the timeout', async () => {
    const authorization = `Bearer ${tokenFor(app, 'slow-reader')}`;
    const started = Date.now();
    // Waiting for a position no command has produced yet outlasts the 400 ms limit.
    const response = await app.request('GET', '/leads?minPosition=999999999', undefined, { authorization });
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.stringify(response.body)).toMatch(/no answer within 400 ms/);
  });
});
